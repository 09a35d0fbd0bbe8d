import { and, asc, eq, isNull, ne } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import {
  customers,
  type Payment,
  type Plan,
  payments,
  plans,
  subscriptionGrants,
  subscriptions,
} from "@/db/schema";
import type { PaymentStatus, SubscriptionStatus } from "@/db/schema/enums";
import { CUSTOMER_EXISTS } from "../customers/create";
import { findCustomer } from "../customers/resolve";
import { parseAmount } from "../money/money";
import { addDays, extensionStart, replayGrants, statusFor } from "../subscriptions/arithmetic";
import { grantDaysFor } from "../subscriptions/effects";
import { hasRunningPaidGrant } from "../subscriptions/grants";
import { email as emailSchema, isUuid } from "../validation/common";
import { TRIAL_TAKEN } from "./create";
import { planRefund } from "./refund-rule";
import { checkTransition } from "./state-machine";

/**
 * Read-only previews of what a payment action would do to the customer's access, for the
 * confirmation step of a form. Each one runs the same checks, in the same order, and the
 * same arithmetic (lib/subscriptions/arithmetic.ts) as the verb it previews, against the
 * current rows; it takes no locks, so a concurrent change can still make the real verb
 * differ (or refuse).
 */

export interface AccessChange {
  customerEmail: string;
  planCode: string;
  planName: string;
  /** Days the payment's grant adds (extend) or takes back (revoke); always positive. */
  days: number;
  /** The subscription's end now; null when the subscription does not exist yet. */
  currentEnd: Date | null;
  newEnd: Date;
  /** The status the verb will store. */
  subscriptionStatusAfter: SubscriptionStatus;
}

export type EffectPreview =
  | ({ kind: "extend" } & AccessChange)
  | ({ kind: "revoke" } & AccessChange)
  | { kind: "none"; reason: string }
  /** The verb would refuse: `field` is the form field to show `message` on ("_form" for the whole form). */
  | { kind: "refused"; field: string; message: string };

/** Creating a payment never takes access back. */
export type CreateEffectPreview = Exclude<EffectPreview, { kind: "revoke" }>;

/**
 * Who the payment is for: an existing customer's id or email, or the email of a customer
 * the form is about to create (previewed as a customer with no subscriptions).
 */
export type PreviewCustomer = string | { newCustomerEmail: string };

export interface PreviewCreateInput {
  customer: PreviewCustomer;
  plan: string | null;
  kind: "manual" | "trial";
  status: "pending" | "succeeded";
  grantDays?: number | null;
}

const NOT_UNTIL_SUCCEEDED = "Nothing changes until the payment succeeds";
const NO_PLAN = "No plan: the payment does not change any subscription";

const refused = (field: string, message: string) => ({ kind: "refused" as const, field, message });
const none = (reason: string) => ({ kind: "none" as const, reason });

interface ExtendTarget {
  customerId: string | null;
  customerEmail: string;
  plan: Plan;
  days: number;
  isTrial: boolean;
}

/** What extendForPayment would write: `new_end = max(now, current_end) + days`, and the status. */
async function extension(db: Queryable, t: ExtendTarget, now: Date): Promise<CreateEffectPreview> {
  const [sub] = t.customerId
    ? await db
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.customerId, t.customerId), eq(subscriptions.planId, t.plan.id)))
    : [];
  const currentEnd = sub?.currentPeriodEnd ?? null;
  const newEnd = addDays(extensionStart(now, currentEnd), t.days);
  // As extendForPayment: a trial is "active" only on top of a paid period still running.
  const hasPaid = !t.isTrial || (sub ? await hasRunningPaidGrant(db, sub.id, now) : false);
  return {
    kind: "extend",
    customerEmail: t.customerEmail,
    planCode: t.plan.code,
    planName: t.plan.name,
    days: t.days,
    currentEnd,
    newEnd,
    subscriptionStatusAfter: statusFor(newEnd, now, hasPaid),
  };
}

/** Creating a payment (createPayment), before it is submitted. */
export async function previewCreateEffect(
  db: Queryable,
  input: PreviewCreateInput,
  now: Date,
): Promise<CreateEffectPreview> {
  // The schema's checks first (as parseInput runs before createPayment reads anything).
  const grantDays = input.grantDays ?? null;
  if (grantDays !== null && (!Number.isInteger(grantDays) || grantDays < 1 || grantDays > 3660)) {
    return refused("grantDays", "Days must be a whole number from 1 to 3660");
  }
  const code = input.plan?.trim().toLowerCase() || null;
  if (!code && input.kind === "trial") return refused("plan", "A trial needs a plan");

  let customerId: string | null = null;
  let customerEmail: string;
  if (typeof input.customer === "string") {
    const key = input.customer.trim();
    if (!key) return refused("customer", "Choose a customer");
    const customer = await findCustomer(db, key);
    if (!customer) return refused("customer", `No customer matches "${key}"`);
    customerId = customer.id;
    customerEmail = customer.email;
  } else {
    const parsed = emailSchema.safeParse(input.customer.newCustomerEmail);
    if (!parsed.success) return refused("customer", parsed.error.issues[0]?.message ?? "Invalid email");
    // createCustomer would refuse it: the form should pick the existing customer instead.
    if (await findCustomer(db, parsed.data)) return refused("customer", CUSTOMER_EXISTS);
    customerEmail = parsed.data;
  }
  if (!code) return none(NO_PLAN);

  const [plan] = await db.select().from(plans).where(eq(plans.code, code));
  if (!plan) return refused("plan", `Unknown plan "${input.plan?.trim()}"`);
  if (!plan.active) return refused("plan", `Plan ${plan.name} is no longer offered`);
  if (input.kind === "trial" && plan.trialDays <= 0 && !grantDays) {
    return refused("plan", `Plan ${plan.name} has no trial period`);
  }
  if (input.kind === "trial" && customerId) {
    const [trial] = await db
      .select({ id: payments.id })
      .from(payments)
      .where(
        and(eq(payments.customerId, customerId), eq(payments.planId, plan.id), eq(payments.kind, "trial")),
      );
    if (trial) return refused("plan", `${TRIAL_TAKEN} (payment ${trial.id})`);
  }
  if (input.status !== "succeeded") return none(NOT_UNTIL_SUCCEEDED);

  const days = grantDaysFor({ grantDays, kind: input.kind }, plan);
  if (days <= 0) return none(`Plan ${plan.name} grants no days`);
  return extension(db, { customerId, customerEmail, plan, days, isTrial: input.kind === "trial" }, now);
}

async function loadPayment(db: Queryable, paymentId: string): Promise<Payment | null> {
  if (!isUuid(paymentId)) return null;
  const [payment] = await db.select().from(payments).where(eq(payments.id, paymentId.toLowerCase()));
  return payment ?? null;
}

const noPayment = (paymentId: string) => refused("paymentId", `No payment with id ${paymentId}`);

async function customerEmailOf(db: Queryable, customerId: string): Promise<string> {
  const [row] = await db
    .select({ email: customers.email })
    .from(customers)
    .where(eq(customers.id, customerId));
  return row?.email ?? "";
}

/** An existing payment entering `succeeded` (changePaymentStatus → extendForPayment). */
async function extensionFor(db: Queryable, payment: Payment, now: Date): Promise<EffectPreview> {
  if (!payment.planId) return none(NO_PLAN);
  const [plan] = await db.select().from(plans).where(eq(plans.id, payment.planId));
  if (!plan) return none(NO_PLAN);
  const days = grantDaysFor(payment, plan);
  if (days <= 0) return none(`Plan ${plan.name} grants no days`);
  const [grant] = await db
    .select({ id: subscriptionGrants.id })
    .from(subscriptionGrants)
    .where(eq(subscriptionGrants.paymentId, payment.id));
  if (grant) return none("This payment has already extended the subscription");
  return extension(
    db,
    {
      customerId: payment.customerId,
      customerEmail: await customerEmailOf(db, payment.customerId),
      plan,
      days,
      isTrial: payment.kind === "trial",
    },
    now,
  );
}

/**
 * What revokeForPayment would write: the end the other live grants explain (or, with none
 * left, now or where this grant began if earlier), and the status that goes with it.
 */
async function revocation(db: Queryable, payment: Payment, now: Date): Promise<EffectPreview> {
  const [grant] = await db
    .select()
    .from(subscriptionGrants)
    .where(eq(subscriptionGrants.paymentId, payment.id));
  if (!grant) return none("This payment gave no access, so none is taken back");
  if (grant.revokedAt) return none("The access this payment gave was already taken back");

  const [row] = await db
    .select({ sub: subscriptions, plan: plans, email: customers.email })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .innerJoin(customers, eq(customers.id, subscriptions.customerId))
    .where(eq(subscriptions.id, grant.subscriptionId));
  if (!row) throw new Error("grant without subscription");
  const live = await db
    .select()
    .from(subscriptionGrants)
    .where(
      and(
        eq(subscriptionGrants.subscriptionId, grant.subscriptionId),
        isNull(subscriptionGrants.revokedAt),
        ne(subscriptionGrants.id, grant.id),
      ),
    )
    .orderBy(asc(subscriptionGrants.appliedSeq));
  const newEnd = replayGrants(live) ?? new Date(Math.min(now.getTime(), grant.periodStart.getTime()));
  return {
    kind: "revoke",
    customerEmail: row.email,
    planCode: row.plan.code,
    planName: row.plan.name,
    days: grant.days,
    currentEnd: row.sub.currentPeriodEnd,
    newEnd,
    subscriptionStatusAfter: statusFor(
      newEnd,
      now,
      live.some((g) => !g.isTrial && g.periodEnd > now),
    ),
  };
}

/** A manual status change (changePaymentStatus), before it is confirmed. */
export async function previewTransitionEffect(
  db: Queryable,
  paymentId: string,
  target: PaymentStatus,
  now: Date,
): Promise<EffectPreview> {
  const payment = await loadPayment(db, paymentId);
  if (!payment) return noPayment(paymentId);
  const check = checkTransition(payment.status, target, "manual", payment.amountMinor);
  if (!check.ok) return refused("status", check.reason);
  if (check.noop) return none(`The payment is already ${target.replace("_", " ")}: nothing changes`);
  if (target === "succeeded") return extensionFor(db, payment, now);
  if (payment.status === "succeeded" && target === "canceled") return revocation(db, payment, now);
  if (target === "processing") return none(NOT_UNTIL_SUCCEEDED);
  return none("Access does not change: this payment never succeeded, so it gave none");
}

export interface PreviewRefundInput {
  /** Minor units; null (or absent) refunds everything that is left. */
  amountMinor?: bigint | null;
  /** Or the amount as typed: a decimal in the payment's currency, parsed as the refund verb parses it. */
  amount?: string | null;
  revokeAccess: boolean;
  /** A full refund that leaves the access as it is (compensation); refused for a partial one. */
  keepAccess?: boolean;
}

/** A refund (refundPayment), before it is confirmed. */
export async function previewRefundEffect(
  db: Queryable,
  paymentId: string,
  input: PreviewRefundInput,
  now: Date,
): Promise<EffectPreview> {
  const payment = await loadPayment(db, paymentId);
  if (!payment) return noPayment(paymentId);
  let requested = input.amountMinor ?? null;
  if (input.amount?.trim() && payment.amountMinor !== 0n) {
    const parsed = parseAmount(input.amount, payment.currency);
    if (!parsed.ok) return refused("amount", parsed.error);
    requested = parsed.minor;
  }
  const plan = planRefund(payment, requested);
  if (!plan.ok) return refused(plan.field, plan.message);
  // As refundPayment: keeping access is a choice for full refunds, and not with revoking it.
  if (input.keepAccess && plan.target !== "refunded") {
    return refused(
      "keepAccess",
      "A partial refund keeps access anyway; keeping access is a choice for full refunds",
    );
  }
  if (input.keepAccess && input.revokeAccess) {
    return refused("keepAccess", "Choose either to keep access or to revoke it, not both");
  }
  if (input.keepAccess)
    return none("Access stays: compensation, the customer keeps the access this payment gave");
  if (plan.target === "refunded" || input.revokeAccess) return revocation(db, payment, now);
  return none("Access stays: a partial refund keeps the grant");
}
