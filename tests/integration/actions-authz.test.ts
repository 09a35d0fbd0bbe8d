import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { changeOwnPasswordAction } from "@/app/(admin)/account/actions";
import { approveRequestAction, rejectRequestAction } from "@/app/(admin)/approvals/actions";
import {
  changeStatusAction,
  createCustomerAction,
  createPaymentAction,
  previewCreateAction,
  previewRefundAction,
  previewTransitionAction,
  providerAction,
  refundAction,
  reviewDecisionAction,
  searchCustomersAction,
  syncPaymentAction,
  updatePaymentAction,
} from "@/app/(admin)/payments/actions";
import {
  createRuleAction,
  deleteRuleAction,
  updateRuleAction,
} from "@/app/(admin)/settings/approvals/actions";
import { setRoleRequirementAction } from "@/app/(admin)/settings/security/actions";
import {
  createStaffAction,
  resetStaffPasswordAction,
  setStaffDisabledAction,
} from "@/app/(admin)/staff/actions";
import { changeStaffRoleAction } from "@/app/(admin)/staff/role-actions";
import { resetStaffTwoFactorAction } from "@/app/(admin)/staff/two-factor-actions";
import { dryRunReplayAction, replayWebhookAction } from "@/app/(admin)/webhooks/actions";
import { lookupAction } from "@/app/actions/lookup";
import { approvalRules, staffTwoFactor, staffUsers, webhookEvents } from "@/db/schema";
import type { StaffRole } from "@/db/schema/enums";
import type { ActionResult } from "@/lib/auth/action";
import { permissions } from "@/lib/auth/permissions";
import type { Actor } from "@/lib/context";
import { createCustomer } from "@/lib/customers/create";
import { applyProviderState } from "@/lib/payments/apply-provider-state";
import { createPayment, submitPayment } from "@/lib/payments/create";
import { ensurePlans } from "@/lib/plans/seed-plans";
import { paymentIntentObject } from "@/lib/providers/stripe/event";
import { stripeState } from "@/lib/providers/stripe/target";
import { hashPassword } from "@/lib/staff/password";
import { currentModuleMock, resetActionSession, signInAs, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { rowCounts, snapshot } from "../support/db-snapshot";
import { ctxFor, insertStaff } from "../support/fixtures";
import { type StripeApiStandIn, startStripeApiStandIn } from "../support/stripe-api";
import { paymentIntentEvent, stripeId } from "../support/stripe-events";

// The two request seams of a server action: who is signed in (and which database), and
// Next's cache. Everything else (wrapper, permission map, schemas, service verbs) is real.
vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);
vi.mock("next/cache", () => ({ revalidatePath: vi.fn(), revalidateTag: vi.fn() }));

/**
 * ARCHITECTURE.md §1 "Roles", cell for cell. The expectations below are derived from this
 * table, never from lib/auth/permissions.ts, so a wrong map fails here.
 */
const ROLES_TABLE = {
  "view payments, customers, subscriptions": { admin: "yes", support: "yes", auditor: "yes" },
  "create, edit, change status, refund payments": { admin: "yes", support: "no", auditor: "no" },
  "view and replay webhook events": { admin: "yes", support: "view", auditor: "view" },
  "view audit log": { admin: "yes", support: "own actions only", auditor: "yes" },
  "export audit log CSV": { admin: "yes", support: "no", auditor: "yes" },
  "manage staff users": { admin: "yes", support: "no", auditor: "no" },
  "manage outbound endpoints, API keys, approval rules, plans": {
    admin: "yes",
    support: "no",
    auditor: "no",
  },
  "approve or reject another admin's request": { admin: "yes", support: "no", auditor: "no" },
  // Not in ARCHITECTURE.md's table: every account may replace its own password (one-time
  // passwords must be replaced before anything else).
  "change one's own password": { admin: "yes", support: "yes", auditor: "yes" },
  // Not in the table either: every account may set up its own second factor.
  "set up one's own second factor": { admin: "yes", support: "yes", auditor: "yes" },
} as const satisfies Record<string, Record<StaffRole, string>>;

type TableRow = keyof typeof ROLES_TABLE;
type Cell = (typeof ROLES_TABLE)[TableRow][StaffRole];
const ROLES = ["admin", "support", "auditor"] as const satisfies readonly StaffRole[];

/** The roles a table row grants, counting the cells listed in `accepts` as a yes. */
function rolesGranted(row: TableRow, accepts: readonly Cell[] = ["yes"]): StaffRole[] {
  return ROLES.filter((role) => accepts.includes(ROLES_TABLE[row][role]));
}

/**
 * Each permission of the map and the table row (and which of its cells) it stands for.
 * Creating a customer has no row of its own: it is part of recording a payment (the new
 * payment form creates the customer), so it follows "create … payments".
 */
const PERMISSION_ROWS: Record<string, { row: TableRow; accepts?: readonly Cell[] }> = {
  "payment.view": { row: "view payments, customers, subscriptions" },
  "customer.view": { row: "view payments, customers, subscriptions" },
  "subscription.view": { row: "view payments, customers, subscriptions" },
  "payment.create": { row: "create, edit, change status, refund payments" },
  "payment.update": { row: "create, edit, change status, refund payments" },
  "payment.change_status": { row: "create, edit, change status, refund payments" },
  "payment.refund": { row: "create, edit, change status, refund payments" },
  // Syncing a provider payment, and capturing or canceling it through its provider, change
  // payments like a status change; deciding a payment held for review grants access like one.
  "payment.sync": { row: "create, edit, change status, refund payments" },
  "review.resolve": { row: "create, edit, change status, refund payments" },
  // The review list is a view of payments.
  "review.view": { row: "view payments, customers, subscriptions" },
  "customer.create": { row: "create, edit, change status, refund payments" },
  "webhook.view": { row: "view and replay webhook events", accepts: ["yes", "view"] },
  "webhook.replay": { row: "view and replay webhook events" },
  "audit.view": { row: "view audit log" },
  "audit.view_own": { row: "view audit log", accepts: ["yes", "own actions only"] },
  "audit.export": { row: "export audit log CSV" },
  "staff.manage": { row: "manage staff users" },
  "staff.change_role": { row: "manage staff users" },
  "staff.reset_two_factor": { row: "manage staff users" },
  // Sign-in security settings are staff management: who must use a second factor.
  "security.manage": { row: "manage staff users" },
  "approval.view": { row: "approve or reject another admin's request" },
  "approval.decide": { row: "approve or reject another admin's request" },
  "approval_rule.manage": { row: "manage outbound endpoints, API keys, approval rules, plans" },
  "endpoint.manage": { row: "manage outbound endpoints, API keys, approval rules, plans" },
  "api_key.manage": { row: "manage outbound endpoints, API keys, approval rules, plans" },
  // Parked inbound messages (user.deleted) are part of managing what other systems may do.
  "inbound.view": { row: "manage outbound endpoints, API keys, approval rules, plans" },
  "account.change_own_password": { row: "change one's own password" },
  "account.manage_own_two_factor": { row: "set up one's own second factor" },
};

interface Staff {
  admin: { id: string };
  support: { id: string };
  auditor: { id: string };
  disabledAdmin: { id: string };
}

/** What each test gets of its own (the database is shared by the file, for speed). */
interface Seed extends Staff {
  /** Unique per test, for emails the actions create. */
  tag: string;
  /** A support account the staff actions act on. */
  target: { id: string; email: string };
  customer: { id: string; email: string };
  pending: { id: string };
  succeeded: { id: string };
  /** A stored Stripe event whose application failed: replaying it records a payment. */
  failedEvent: { id: string };
  /** A Stripe payment recorded as waiting for payment that Stripe has since seen succeed. */
  stale: { id: string };
  /** A Stripe payment authorised and waiting for capture (Stripe can cancel it). */
  authorised: { id: string };
  /** A Stripe payment in USD for a RUB plan: recorded, held for review, nothing granted. */
  held: { id: string };
  /** A large manual payment another admin asked for, awaiting approval (lib/approvals). */
  approvalRequest: { id: string };
  /** An approval rule (full refunds in EUR) the rule actions edit and delete. */
  rule: { id: string };
}

type AnyAction = (raw: never) => Promise<ActionResult<unknown>>;

interface ActionSpec {
  name: string;
  action: AnyAction;
  row: TableRow;
  /** Whether a successful call writes (and so audits); read-only actions must write nothing at all. */
  writes: boolean;
  /** Valid input, so that an allowed call reaches the verb and succeeds. */
  input: (s: Seed) => unknown;
  /** What an allowed, successful call returns (a partial match). */
  data?: (s: Seed) => unknown;
}

const REASON = "authorization table test";

/** The password every role's account has at the start of each test (reset by `seed`). */
const KNOWN_PASSWORD = "staff-password-1";

const ACTIONS: ActionSpec[] = [
  {
    name: "changeOwnPasswordAction",
    action: changeOwnPasswordAction as AnyAction,
    row: "change one's own password",
    writes: true,
    input: () => ({
      currentPassword: KNOWN_PASSWORD,
      newPassword: "staff-password-2",
      confirmPassword: "staff-password-2",
    }),
    data: () => ({ changed: true }),
  },
  {
    name: "createPaymentAction",
    action: createPaymentAction as AnyAction,
    row: "create, edit, change status, refund payments",
    writes: true,
    input: (s) => ({
      customer: s.customer.email,
      plan: "basic",
      amount: "299.00",
      currency: "RUB",
      reason: REASON,
    }),
    data: () => ({ created: true, status: "pending" }),
  },
  {
    name: "changeStatusAction",
    action: changeStatusAction as AnyAction,
    row: "create, edit, change status, refund payments",
    writes: true,
    input: (s) => ({ paymentId: s.pending.id, status: "succeeded", reason: REASON }),
    data: (s) => ({ id: s.pending.id, status: "succeeded", changed: true }),
  },
  {
    name: "refundAction",
    action: refundAction as AnyAction,
    row: "create, edit, change status, refund payments",
    writes: true,
    input: (s) => ({ paymentId: s.succeeded.id, amount: "100.00", reason: REASON }),
    data: (s) => ({ id: s.succeeded.id, status: "partially_refunded", refundAmountMinor: 10_000n }),
  },
  {
    name: "syncPaymentAction",
    action: syncPaymentAction as AnyAction,
    row: "create, edit, change status, refund payments",
    writes: true,
    input: (s) => ({ paymentId: s.stale.id, reason: REASON }),
    data: (s) => ({ id: s.stale.id, status: "succeeded", changed: true }),
  },
  {
    name: "providerAction",
    action: providerAction as AnyAction,
    row: "create, edit, change status, refund payments",
    writes: true,
    input: (s) => ({ paymentId: s.authorised.id, action: "cancel", reason: REASON }),
    data: (s) => ({ id: s.authorised.id, status: "canceled", changed: true }),
  },
  {
    name: "reviewDecisionAction",
    action: reviewDecisionAction as AnyAction,
    row: "create, edit, change status, refund payments",
    writes: true,
    input: (s) => ({ paymentId: s.held.id, decision: "grant", reason: REASON }),
    data: (s) => ({ id: s.held.id, status: "succeeded", validUntil: expect.any(Date) }),
  },
  {
    name: "updatePaymentAction",
    action: updatePaymentAction as AnyAction,
    row: "create, edit, change status, refund payments",
    writes: true,
    input: (s) => ({ paymentId: s.pending.id, description: "Invoice 42", reason: REASON }),
    data: (s) => ({ id: s.pending.id, changed: true }),
  },
  {
    name: "createCustomerAction",
    action: createCustomerAction as AnyAction,
    row: "create, edit, change status, refund payments",
    writes: true,
    input: (s) => ({ email: `new.customer-${s.tag}@example.com`, name: "New Customer" }),
    data: (s) => ({ email: `new.customer-${s.tag}@example.com` }),
  },
  {
    name: "searchCustomersAction",
    action: searchCustomersAction as AnyAction,
    row: "view payments, customers, subscriptions",
    writes: false,
    input: (s) => ({ q: s.customer.email }),
    data: (s) => [expect.objectContaining({ id: s.customer.id, email: s.customer.email })],
  },
  {
    name: "lookupAction",
    action: lookupAction as AnyAction,
    row: "view payments, customers, subscriptions",
    writes: false,
    input: (s) => ({ q: s.pending.id }),
    data: (s) => ({ kind: "payment", href: `/payments/${s.pending.id}` }),
  },
  {
    name: "approveRequestAction",
    action: approveRequestAction as AnyAction,
    row: "approve or reject another admin's request",
    writes: true,
    input: (s) => ({ id: s.approvalRequest.id, reason: REASON }),
    data: (s) => ({ id: s.approvalRequest.id, status: "approved" }),
  },
  {
    name: "rejectRequestAction",
    action: rejectRequestAction as AnyAction,
    row: "approve or reject another admin's request",
    writes: true,
    input: (s) => ({ id: s.approvalRequest.id, reason: REASON }),
    data: (s) => ({ id: s.approvalRequest.id, status: "rejected" }),
  },
  {
    name: "createRuleAction",
    action: createRuleAction as AnyAction,
    row: "manage outbound endpoints, API keys, approval rules, plans",
    writes: true,
    input: () => ({ kind: "payment.create", currency: "USD", threshold: "1000.00" }),
    data: () => ({ kind: "payment.create", currency: "USD", thresholdMinor: 100_000n }),
  },
  {
    name: "updateRuleAction",
    action: updateRuleAction as AnyAction,
    row: "manage outbound endpoints, API keys, approval rules, plans",
    writes: true,
    input: (s) => ({ id: s.rule.id, enabled: false }),
    data: (s) => ({ id: s.rule.id, enabled: false }),
  },
  {
    name: "deleteRuleAction",
    action: deleteRuleAction as AnyAction,
    row: "manage outbound endpoints, API keys, approval rules, plans",
    writes: true,
    input: (s) => ({ id: s.rule.id }),
    data: (s) => ({ id: s.rule.id }),
  },
  {
    name: "previewCreateAction",
    action: previewCreateAction as AnyAction,
    row: "create, edit, change status, refund payments",
    writes: false,
    input: (s) => ({ customer: s.customer.email, plan: "basic", kind: "manual", status: "succeeded" }),
    data: () => ({ kind: "extend", planCode: "basic" }),
  },
  {
    name: "previewTransitionAction",
    action: previewTransitionAction as AnyAction,
    row: "create, edit, change status, refund payments",
    writes: false,
    input: (s) => ({ paymentId: s.pending.id, status: "succeeded" }),
    data: () => ({ kind: "extend", planCode: "premium" }),
  },
  {
    name: "previewRefundAction",
    action: previewRefundAction as AnyAction,
    row: "create, edit, change status, refund payments",
    writes: false,
    input: (s) => ({ paymentId: s.succeeded.id, amount: null, revokeAccess: false }),
    data: () => ({ kind: "revoke" }),
  },
  {
    name: "dryRunReplayAction",
    action: dryRunReplayAction as AnyAction,
    row: "view and replay webhook events",
    writes: false,
    input: (s) => ({ eventId: s.failedEvent.id }),
    data: (s) => ({ id: s.failedEvent.id, dryRun: true, outcome: "processed" }),
  },
  {
    name: "replayWebhookAction",
    action: replayWebhookAction as AnyAction,
    row: "view and replay webhook events",
    writes: true,
    input: (s) => ({ eventId: s.failedEvent.id }),
    data: (s) => ({ id: s.failedEvent.id, dryRun: false, outcome: "processed" }),
  },
  {
    name: "createStaffAction",
    action: createStaffAction as AnyAction,
    row: "manage staff users",
    writes: true,
    input: (s) => ({ email: `new.staff-${s.tag}@paydesk.test`, name: "New Staff", role: "support" }),
    data: (s) => ({ email: `new.staff-${s.tag}@paydesk.test`, oneTimePassword: expect.any(String) }),
  },
  {
    name: "setStaffDisabledAction",
    action: setStaffDisabledAction as AnyAction,
    row: "manage staff users",
    writes: true,
    input: (s) => ({ staffId: s.target.id, disabled: true, reason: REASON }),
    data: (s) => ({ id: s.target.id, disabled: true, changed: true }),
  },
  {
    name: "resetStaffPasswordAction",
    action: resetStaffPasswordAction as AnyAction,
    row: "manage staff users",
    writes: true,
    input: (s) => ({ staffId: s.target.id }),
    data: () => ({ oneTimePassword: expect.any(String) }),
  },
  {
    name: "resetStaffTwoFactorAction",
    action: resetStaffTwoFactorAction as AnyAction,
    row: "manage staff users",
    writes: true,
    input: (s) => ({ staffId: s.target.id, reason: REASON }),
    data: (s) => ({ staffId: s.target.id, hadFactor: true }),
  },
  {
    name: "setRoleRequirementAction",
    action: setRoleRequirementAction as AnyAction,
    row: "manage staff users",
    writes: true,
    input: () => ({ role: "auditor", requireTwoFactor: true }),
    data: () => ({ role: "auditor", requireTwoFactor: true }),
  },
  {
    name: "changeStaffRoleAction",
    action: changeStaffRoleAction as AnyAction,
    row: "manage staff users",
    writes: true,
    input: (s) => ({ staffId: s.target.id, role: "auditor", reason: REASON }),
    data: (s) => ({ id: s.target.id, role: "auditor", changed: true }),
  },
];

type Caller = StaffRole | "nobody" | "disabled admin";
type Outcome = "ok" | "forbidden" | "unauthenticated";
const CALLERS: readonly Caller[] = ["admin", "support", "auditor", "nobody", "disabled admin"];

function expectedOutcome(spec: ActionSpec, caller: Caller): Outcome {
  // A disabled account has no session actor at all: it is treated as signed out.
  if (caller === "nobody" || caller === "disabled admin") return "unauthenticated";
  return rolesGranted(spec.row).includes(caller) ? "ok" : "forbidden";
}

const MATRIX = ACTIONS.flatMap((spec) =>
  CALLERS.map((caller) => ({ name: spec.name, caller, expected: expectedOutcome(spec, caller), spec })),
);

async function seedStaff(t: TestDatabase): Promise<Staff> {
  const db = t.db;
  await ensurePlans(db);
  const admin = await insertStaff(db, "admin", "admin@paydesk.test");
  const support = await insertStaff(db, "support", "support@paydesk.test");
  const auditor = await insertStaff(db, "auditor", "auditor@paydesk.test");
  const disabledAdmin = await insertStaff(db, "admin", "gone@paydesk.test");
  knownHash ??= await hashPassword(KNOWN_PASSWORD);
  await db.update(staffUsers).set({ disabled: true }).where(eq(staffUsers.id, disabledAdmin.id));
  return { admin, support, auditor, disabledAdmin };
}

let seeded = 0;
let knownHash: string | null = null;
/** The local Stripe the provider actions talk to (started once for the file). */
let stripeApi: StripeApiStandIn;

/** Records a Stripe payment the way every path does: the intent's state through applyProviderState. */
async function recordStripe(
  ctx: ReturnType<typeof ctxFor>,
  intent: Record<string, unknown>,
  observedAt: Date,
) {
  const state = stripeState(paymentIntentObject.parse(intent), [], [], observedAt, "seed");
  if (!state.ok) throw new Error(state.reason);
  const applied = await applyProviderState(ctx, state.value);
  if (!applied.payment) throw new Error(applied.notes.join("; "));
  return applied.payment;
}

/** A customer, a pending and a succeeded payment, and a staff account, fresh for one test. */
async function seed(t: TestDatabase, staff: Staff): Promise<Seed> {
  const db = t.db;
  const tag = String(++seeded);
  // The password-change action may have changed them in an earlier test.
  await db
    .update(staffUsers)
    .set({ passwordHash: knownHash! })
    .where(
      inArray(staffUsers.id, [staff.admin.id, staff.support.id, staff.auditor.id, staff.disabledAdmin.id]),
    );
  const target = await insertStaff(db, "support", `target-${tag}@paydesk.test`);
  // A second factor an admin may reset (the secret is never read on that path).
  await db
    .insert(staffTwoFactor)
    .values({ staffId: target.id, secretCiphertext: "v1.x.x.x", enabledAt: new Date() });
  const [admin] = await db.select().from(staffUsers).where(eq(staffUsers.id, staff.admin.id));
  const actor: Actor = {
    type: "staff",
    id: admin!.id,
    email: admin!.email,
    name: admin!.name,
    role: "admin",
  };
  const ctx = ctxFor(db, actor);
  const customer = await createCustomer(ctx, { email: `anna-${tag}@example.com`, name: "Anna Petrova" });
  const pending = await createPayment(ctx, {
    customer: customer.email,
    plan: "premium",
    amount: "599.00",
    currency: "RUB",
    reason: "seed: pending",
  });
  const succeeded = await createPayment(ctx, {
    customer: customer.email,
    plan: "premium",
    amount: "599.00",
    currency: "RUB",
    status: "succeeded",
    reason: "seed: succeeded",
  });
  const event = paymentIntentEvent({
    type: "payment_intent.succeeded",
    intentId: stripeId("pi"),
    amount: 59_900,
    currency: "rub",
    customer: customer.email,
    plan: "premium",
  });
  const [failedEvent] = await db
    .insert(webhookEvents)
    .values({
      provider: "stripe",
      eventId: String(event.id),
      type: String(event.type),
      payload: event,
      verification: "stripe-signature",
      receivedAt: new Date(),
      processedAt: new Date(),
      outcome: "failed",
      error: "Error: Connection terminated unexpectedly",
      attempts: 1,
    })
    .returning({ id: webhookEvents.id });
  const metadata = { paydesk_customer: customer.email, paydesk_plan: "premium" };
  const earlier = new Date(Date.now() - 60_000);
  // Stripe has it succeeded; Paydesk last saw it waiting for the customer's 3-D Secure.
  const paid = stripeApi.putIntent({ metadata });
  const stale = await recordStripe(
    ctx,
    { ...paid, status: "requires_action", amount_received: 0, latest_charge: null },
    earlier,
  );
  const hold = stripeApi.putIntent({
    status: "requires_capture",
    amount_received: 0,
    amount_capturable: 59_900,
    metadata,
  });
  const authorised = await recordStripe(ctx, hold, earlier);
  const usd = stripeApi.putIntent({ amount: 500, amount_received: 500, currency: "usd", metadata });
  const held = await recordStripe(ctx, usd, earlier);
  if (!held.reviewReason) throw new Error("seed: the USD payment should be held for review");
  // Another admin's large payment, awaiting approval; and a rule to edit (fresh each test).
  const requester = await insertStaff(db, "admin", `requester-${tag}@paydesk.test`);
  const asked = await submitPayment(
    ctxFor(db, {
      type: "staff",
      id: requester.id,
      email: requester.email,
      name: requester.name,
      role: "admin",
    }),
    { customer: customer.email, amount: "15000.00", currency: "RUB", reason: "seed: large payment" },
  );
  if (asked.status !== "awaiting_approval") throw new Error("seed: the large payment should await approval");
  await db.delete(approvalRules).where(inArray(approvalRules.currency, ["EUR", "USD"]));
  const [rule] = await db
    .insert(approvalRules)
    .values({ kind: "payment.refund_full", currency: "EUR", thresholdMinor: 500_000n })
    .returning({ id: approvalRules.id });
  return {
    ...staff,
    tag,
    target,
    customer,
    pending: pending.payment,
    succeeded: succeeded.payment,
    failedEvent: failedEvent!,
    stale,
    authorised,
    held,
    approvalRequest: { id: asked.approvalRequestId },
    rule: rule!,
  };
}

function sessionFor(s: Seed, caller: Caller): string | null {
  switch (caller) {
    case "admin":
      return s.admin.id;
    case "support":
      return s.support.id;
    case "auditor":
      return s.auditor.id;
    case "disabled admin":
      return s.disabledAdmin.id;
    case "nobody":
      return null;
  }
}

describe("server actions × roles (ARCHITECTURE.md §1 Roles)", () => {
  let t: TestDatabase;
  let staff: Staff;
  let s: Seed;

  // One database for the file (opening one costs about a second); each test seeds the rows
  // it acts on, and compares the whole database before and after.
  beforeAll(async () => {
    stripeApi = await startStripeApiStandIn();
    vi.stubEnv("STRIPE_SECRET_KEY", "sk_test_paydesk_stand_in");
    vi.stubEnv("STRIPE_API_BASE", stripeApi.url);
    t = await freshDatabase();
    staff = await seedStaff(t);
    useActionDb(t.db);
  });
  afterAll(async () => {
    resetActionSession();
    await t?.close();
    vi.unstubAllEnvs();
    await stripeApi?.close();
  });
  beforeEach(async () => {
    s = await seed(t, staff);
  });

  describe.each(ACTIONS.map((spec) => ({ name: spec.name, spec })))("$name", ({ spec }) => {
    it.each(MATRIX.filter((m) => m.spec === spec))("as $caller → $expected", async ({ caller, expected }) => {
      signInAs(sessionFor(s, caller));
      const counts = await rowCounts(t.db);
      const before = await snapshot(t.db);

      const result = await spec.action(spec.input(s) as never);

      expect(currentModuleMock.currentActor).toHaveBeenCalled();
      if (expected === "ok") {
        expect(
          result,
          JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? `${v}` : v)),
        ).toMatchObject({
          ok: true,
        });
        if (result.ok && spec.data) expect(result.data).toMatchObject(spec.data(s) as object);
        if (spec.writes) {
          // Every mutation audits: the audit log grew.
          expect((await rowCounts(t.db)).audit_log).toBeGreaterThan(counts.audit_log);
        } else {
          expect(await snapshot(t.db)).toEqual(before);
        }
        return;
      }
      expect(result).toMatchObject({ ok: false, code: expected, fieldErrors: {} });
      if (!result.ok) expect(result.message).toEqual(expect.any(String));
      // Refused: not one row inserted, updated or deleted anywhere.
      expect(await rowCounts(t.db)).toEqual(counts);
      expect(await snapshot(t.db)).toEqual(before);
    });
  });

  // Permission comes before validation: a refused caller learns nothing from the schema.
  const refusedWithBadInput = MATRIX.filter((m) => m.expected !== "ok");
  it.each(refusedWithBadInput)(
    "$name as $caller with invalid input → still $expected",
    async ({ spec, caller, expected }) => {
      signInAs(sessionFor(s, caller));
      const before = await snapshot(t.db);
      const result = await spec.action({ paymentId: "not-a-uuid", staffId: 42, email: "" } as never);
      expect(result).toMatchObject({ ok: false, code: expected, fieldErrors: {} });
      expect(await snapshot(t.db)).toEqual(before);
    },
  );

  it("a deleted account's session is signed out too", async () => {
    const gone = await insertStaff(t.db, "admin", "deleted@paydesk.test");
    await t.db.delete(staffUsers).where(eq(staffUsers.id, gone.id));
    signInAs(gone.id);
    const before = await snapshot(t.db);
    const result = await createCustomerAction({ email: "x@example.com", name: "X" });
    expect(result).toMatchObject({ ok: false, code: "unauthenticated" });
    expect(await snapshot(t.db)).toEqual(before);
  });

  it("a role change takes effect on the next call, not when the session ends", async () => {
    const demoted = await insertStaff(t.db, "admin", "demoted@paydesk.test");
    signInAs(demoted.id);
    expect(await createCustomerAction({ email: "first@example.com", name: "First" })).toMatchObject({
      ok: true,
    });
    await t.db.update(staffUsers).set({ role: "auditor" }).where(eq(staffUsers.id, demoted.id));
    const before = await snapshot(t.db);
    expect(await createCustomerAction({ email: "second@example.com", name: "Second" })).toMatchObject({
      ok: false,
      code: "forbidden",
    });
    expect(await snapshot(t.db)).toEqual(before);
  });
});

describe("the roles table in this test and lib/auth/permissions.ts", () => {
  it("every permission in the map stands for a row of the table, and every row is used", () => {
    expect(Object.keys(permissions).sort()).toEqual(Object.keys(PERMISSION_ROWS).sort());
    const used = new Set(Object.values(PERMISSION_ROWS).map((p) => p.row));
    expect([...used].sort()).toEqual(Object.keys(ROLES_TABLE).sort());
  });

  it.each(Object.entries(PERMISSION_ROWS).map(([permission, p]) => ({ permission, ...p })))(
    "$permission grants exactly what «$row» says",
    ({ permission, row, accepts }) => {
      const granted = [...(permissions as Record<string, readonly StaffRole[]>)[permission]!].sort();
      expect(granted).toEqual(rolesGranted(row, accepts).sort());
    },
  );

  it("the matrix covers every exported action of both modules", async () => {
    const modules = [
      await import("@/app/(admin)/payments/actions"),
      await import("@/app/(admin)/staff/actions"),
      await import("@/app/(admin)/staff/two-factor-actions"),
      await import("@/app/(admin)/settings/security/actions"),
      await import("@/app/(admin)/staff/role-actions"),
      await import("@/app/(admin)/account/actions"),
      await import("@/app/actions/lookup"),
      await import("@/app/(admin)/webhooks/actions"),
      await import("@/app/(admin)/approvals/actions"),
      await import("@/app/(admin)/settings/approvals/actions"),
    ];
    const exported = modules.flatMap((m) =>
      Object.entries(m)
        .filter(([, v]) => typeof v === "function")
        .map(([k]) => k),
    );
    expect(exported.sort()).toEqual(ACTIONS.map((a) => a.name).sort());
  });
});
