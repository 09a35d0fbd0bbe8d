import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { staffUsers } from "@/db/schema";
import type { PaymentMethod } from "@/db/schema/enums";
import { setRoleRequirement } from "../auth/two-factor/role-settings";
import type { Actor, ServiceContext } from "../context";
import { createCustomer } from "../customers/create";
import { ServiceError } from "../errors";
import { applyProviderState } from "../payments/apply-provider-state";
import { changePaymentStatus } from "../payments/change-status";
import { createPayment } from "../payments/create";
import { refundPayment } from "../payments/refund";
import { STANDARD_PLANS } from "../plans/seed-plans";
import type { ProviderPaymentStatus, ProviderState } from "../providers/target";
import { createStaff } from "../staff/create";
import { DAY_MS } from "../subscriptions/arithmetic";
import { rng } from "./random";

export const DEMO_STAFF = [
  { email: "admin@paydesk.test", name: "Alexandra Admin", role: "admin" },
  { email: "support@paydesk.test", name: "Sam Support", role: "support" },
  { email: "auditor@paydesk.test", name: "Audrey Auditor", role: "auditor" },
] as const;

const FIRST = [
  "Anna",
  "Boris",
  "Daria",
  "Egor",
  "Fatima",
  "Gleb",
  "Irina",
  "Kirill",
  "Lena",
  "Maxim",
  "Nina",
  "Oleg",
  "Polina",
  "Roman",
  "Sofia",
  "Timur",
  "Ulyana",
  "Vera",
  "Yuri",
  "Zoya",
  "Mark",
  "Alice",
  "Tom",
  "Julia",
  "Pavel",
];
const LAST = [
  "Petrova",
  "Ivanov",
  "Smirnova",
  "Kuznetsov",
  "Sokolova",
  "Popov",
  "Lebedeva",
  "Kozlov",
  "Novikova",
  "Morozov",
  "Volkova",
  "Soloviev",
  "Vasilieva",
  "Zaitsev",
  "Pavlova",
  "Semenov",
  "Golubeva",
  "Vinogradov",
  "Bogdanova",
  "Fedorov",
];
const DOMAINS = ["example.com", "mail.example", "inbox.example", "corp.example"];
const METHODS: PaymentMethod[] = ["bank_transfer", "bank_transfer", "cash", "card", "other"];

type Step = { at: number; run: (now: Date) => Promise<void>; mayBeRefused?: boolean };

export interface DemoSeedResult {
  seeded: boolean;
  customers: number;
  payments: number;
}

/**
 * Demo data made through the service (so subscriptions, grants, audit entries and events
 * are all real): three staff accounts, ~50 customers and ~300 payments over the last
 * 120 days in every status, kind and provider. Skipped when the demo admin exists.
 */
export async function seedDemo(db: Db, password: string, now = new Date()): Promise<DemoSeedResult> {
  const [existing] = await db
    .select({ id: staffUsers.id })
    .from(staffUsers)
    .where(sql`lower(${staffUsers.email}) = ${DEMO_STAFF[0].email}`);
  if (existing) return { seeded: false, customers: 0, payments: 0 };

  const r = rng(20261122);
  const start = now.getTime() - 120 * DAY_MS;
  let clock = start;
  const ctxFor = (actor: Actor, via: ServiceContext["via"]): ServiceContext => ({
    db,
    actor,
    via,
    requestId: randomUUID(),
    userAgent: "paydesk-seed",
    now: () => new Date(clock),
  });
  const seedCtx = ctxFor({ type: "system", id: "system:seed" }, "seed");

  let admin: Actor | null = null;
  for (const s of DEMO_STAFF) {
    const { user } = await createStaff(seedCtx, { ...s, password });
    if (s.role === "admin")
      admin = { type: "staff", id: user.id, email: user.email, name: user.name, role: "admin" };
  }
  if (!admin) throw new Error("demo admin missing");
  const adminCtx = () => ctxFor(admin, "seed");
  // The README's demo sign-ins work with a password alone; a real database keeps the
  // migration's default (admins must use a second factor).
  await setRoleRequirement(adminCtx(), { role: "admin", requireTwoFactor: false });
  const stripeCtx = () => ctxFor({ type: "system", id: "system:stripe" }, "webhook");
  const yookassaCtx = () => ctxFor({ type: "system", id: "system:yookassa" }, "webhook");

  const customers: { id: string; email: string }[] = [];
  const usedEmails = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const first = r.pick(FIRST);
    const last = r.pick(LAST);
    let email = `${first}.${last}@${r.pick(DOMAINS)}`.toLowerCase();
    if (usedEmails.has(email)) email = email.replace("@", `${i}@`);
    usedEmails.add(email);
    clock = start + i * 60_000;
    const c = await createCustomer(adminCtx(), {
      email,
      name: `${first} ${last}`,
      externalRef: r.chance(0.4) ? `CRM-${10_000 + i}` : null,
    });
    customers.push({ id: c.id, email: c.email });
  }

  // Build a timeline of actions first, then play it in time order: the service's clock
  // only moves forward, as it does in production.
  const steps: Step[] = [];
  const trials = new Set<string>();
  let payments = 0;
  const ids = new Map<number, string>();
  const later = (at: number, run: (id: string, now: Date) => Promise<void>, ref: number) =>
    steps.push({ at, run: async (n) => run(ids.get(ref) ?? "", n), mayBeRefused: true });

  for (let i = 0; i < 300; i++) {
    const customer = r.pick(customers);
    const plan = r.pick(STANDARD_PLANS);
    const at = start + 2 * DAY_MS + Math.floor(r.next() * 115 * DAY_MS);
    const roll = r.next();
    const ref = i;
    payments++;

    if (roll < 0.14 && !trials.has(`${customer.id}:${plan.code}`)) {
      trials.add(`${customer.id}:${plan.code}`);
      steps.push({
        at,
        run: async () => {
          const res = await createPayment(adminCtx(), {
            customer: customer.id,
            plan: plan.code,
            kind: "trial",
            amount: "0",
            currency: "RUB",
            reason: "Trial requested through support",
          });
          ids.set(ref, res.payment.id);
        },
      });
      if (r.chance(0.1)) {
        later(at + r.int(1, 3) * DAY_MS, (id) => voidTrial(id), ref);
      }
      continue;
    }

    if (roll < 0.44) {
      // A provider payment, moved by the provider's (simulated) webhooks.
      const provider = r.chance(0.65) ? "stripe" : "yookassa";
      const ctx = provider === "stripe" ? stripeCtx : yookassaCtx;
      const providerPaymentId =
        provider === "stripe"
          ? `pi_demo${String(i).padStart(6, "0")}${r.int(1000, 9999)}`
          : randomUUIDLike(r);
      // Each step is what the provider says at that moment, applied as its webhook would be.
      const state = (
        status: ProviderPaymentStatus,
        providerStatus: string,
        extra: Partial<Pick<ProviderState, "refunds" | "disputes">> & { lastError?: string } = {},
      ): ProviderState => ({
        provider,
        providerPaymentId,
        observedAt: new Date(clock),
        payment: {
          status,
          providerStatus,
          requestedMinor: plan.priceMinor,
          capturedMinor: status === "succeeded" ? plan.priceMinor : null,
          currency: "RUB",
          lastError: extra.lastError ?? null,
          customerRef: customer.email,
          planCode: plan.code,
          method: "card",
          description: null,
          metadata: { paydesk_customer: customer.email, paydesk_plan: plan.code },
        },
        refunds: extra.refunds ?? [],
        disputes: extra.disputes ?? [],
        source: `${provider === "stripe" ? "Stripe" : "YooKassa"} (demo) ${providerStatus}`,
      });
      const apply = (st: () => ProviderState) => async () => {
        const res = await applyProviderState(ctx(), st());
        if (res.payment) ids.set(ref, res.payment.id);
      };
      steps.push({
        at,
        // At Stripe the customer is authenticating (3-D Secure); an intent nobody tried to pay
        // is not recorded at all.
        run: apply(() => state("pending", provider === "stripe" ? "requires_action" : "pending")),
      });
      const outcome = r.next();
      const t1 = at + r.int(1, 30) * 60_000;
      if (outcome < 0.05) continue; // still pending
      const held = provider === "stripe" ? "processing" : "waiting_for_capture";
      steps.push({ at: t1, run: apply(() => state("processing", held)) });
      if (outcome < 0.1) continue; // stuck in processing (the reconciler and /review show it)
      const t2 = t1 + r.int(1, 20) * 60_000;
      if (outcome < 0.2) {
        // A declined attempt: at Stripe the intent stays open for another card; YooKassa cancels.
        steps.push({
          at: t2,
          run: apply(() =>
            provider === "stripe"
              ? state("pending", "requires_payment_method", { lastError: "Your card was declined." })
              : state("canceled", "canceled", { lastError: "Canceled by payment_network: card_expired" }),
          ),
        });
        continue;
      }
      if (outcome < 0.25) {
        steps.push({
          at: t2,
          run: apply(() => state("canceled", "canceled", { lastError: "Canceled: abandoned" })),
        });
        continue;
      }
      steps.push({ at: t2, run: apply(() => state("succeeded", "succeeded")) });
      const t3 = t2 + r.int(1, 10) * DAY_MS;
      if (r.chance(0.15)) {
        const full = r.chance(0.5);
        const amountMinor = full ? plan.priceMinor : 10_000n;
        steps.push({
          at: t3,
          run: apply(() =>
            state("succeeded", "succeeded", {
              refunds: [
                {
                  providerRefundId: `${provider === "stripe" ? "re_" : "rf_"}demo${i}`,
                  status: "succeeded",
                  providerStatus: "succeeded",
                  amountMinor,
                  currency: "RUB",
                  failureReason: null,
                  paydeskRefundId: null,
                  revokeAccess: false,
                  description: full ? "Refunded in the provider dashboard" : "Goodwill partial refund",
                },
              ],
            }),
          ),
        });
      } else if (provider === "stripe" && r.chance(0.06)) {
        const lost = r.chance(0.5);
        const dispute = (status: "open" | "lost" | "won", providerStatus: string) => ({
          providerDisputeId: `dp_demo${i}`,
          kind: "chargeback" as const,
          status,
          providerStatus,
          amountMinor: plan.priceMinor,
          currency: "RUB",
          reason: lost ? "fraudulent" : "product_not_received",
          fundsWithdrawn: true,
          fundsReinstated: status === "won",
        });
        steps.push({
          at: t3,
          run: apply(() =>
            state("succeeded", "succeeded", { disputes: [dispute("open", "needs_response")] }),
          ),
        });
        if (r.chance(0.6)) {
          steps.push({
            at: t3 + r.int(5, 20) * DAY_MS,
            run: apply(() =>
              state("succeeded", "succeeded", {
                disputes: [lost ? dispute("lost", "lost") : dispute("won", "won")],
              }),
            ),
          });
        }
      }
      continue;
    }

    // A manual payment recorded by an admin: bank transfer, cash, card terminal…
    const noPlan = r.chance(0.08);
    const currency = noPlan ? r.pick(["USD", "EUR", "RUB"] as const) : "RUB";
    const amount = noPlan ? `${r.int(20, 400)}.${r.pick(["00", "50", "99"])}` : formatPrice(plan.priceMinor);
    const outcome = r.next();
    const immediate = outcome < 0.45;
    steps.push({
      at,
      run: async () => {
        const res = await createPayment(adminCtx(), {
          customer: customer.id,
          plan: noPlan ? null : plan.code,
          amount,
          currency,
          status: immediate ? "succeeded" : "pending",
          method: r.pick(METHODS),
          description: noPlan
            ? r.pick(["Onboarding session", "Annual support add-on", "Data export service"])
            : `${plan.name} monthly`,
          idempotencyKey: `demo-seed-payment-${ref}`,
          reason: immediate ? "Payment confirmed on the bank statement" : "Invoice sent, awaiting transfer",
        });
        ids.set(ref, res.payment.id);
      },
    });
    let succeeded = immediate;
    if (!immediate) {
      const t1 = at + r.int(1, 4) * DAY_MS;
      const fate = r.next();
      if (fate < 0.15 || t1 > now.getTime()) continue; // still awaiting the transfer
      const final = fate < 0.33 ? "failed" : fate < 0.42 ? "canceled" : "succeeded";
      succeeded = final === "succeeded";
      later(
        t1,
        (id) =>
          move(
            adminCtx(),
            id,
            final,
            final === "succeeded"
              ? "Transfer arrived"
              : final === "failed"
                ? "Transfer bounced"
                : "Customer withdrew the order",
          ),
        ref,
      );
    }
    if (succeeded && r.chance(0.18)) {
      const full = r.chance(0.5);
      later(
        at + r.int(5, 12) * DAY_MS,
        async (id) => {
          await refundPayment(adminCtx(), {
            paymentId: id,
            amount: full ? null : noPlan ? "10.00" : "50.00",
            revokeAccess: !full && r.chance(0.3),
            reason: full ? "Customer cancelled within the refund window" : "Service outage compensation",
          });
        },
        ref,
      );
    }
  }

  steps.sort((a, b) => a.at - b.at);
  for (const s of steps) {
    if (s.at > now.getTime()) continue;
    clock = s.at;
    try {
      await s.run(new Date(s.at));
    } catch (err) {
      // A step can be refused by the rules (e.g. a refund of a payment that a later step
      // made ineligible); the demo keeps the refusal, like production would.
      if (!(err instanceof ServiceError) || !s.mayBeRefused) throw err;
    }
  }
  return { seeded: true, customers: customers.length, payments };

  async function move(
    ctx: ServiceContext,
    id: string,
    status: "processing" | "succeeded" | "failed" | "canceled",
    reason: string,
  ) {
    if (!id) return;
    await changePaymentStatus(ctx, { paymentId: id, status, reason });
  }
  async function voidTrial(id: string) {
    if (!id) return;
    await changePaymentStatus(adminCtx(), {
      paymentId: id,
      status: "canceled",
      reason: "Trial voided: duplicate account",
    });
  }
}

function formatPrice(minor: bigint): string {
  return `${minor / 100n}.${(minor % 100n).toString().padStart(2, "0")}`;
}

function randomUUIDLike(r: ReturnType<typeof rng>): string {
  const hex = () => r.int(0, 15).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join("");
  return `${part(8)}-000f-5000-9000-${part(12)}`;
}
