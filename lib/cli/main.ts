import { Command, InvalidArgumentError, Option } from "commander";
import { paymentMethods, paymentStatuses, staffRoles } from "@/db/schema/enums";
import type { AwaitingApproval } from "../approvals/types";
import { verifyAuditChain } from "../audit/verify";
import { createCustomer } from "../customers/create";
import { reconcile } from "../jobs/reconcile";
import { formatMinor } from "../money/money";
import { changePaymentStatus } from "../payments/change-status";
import { submitPayment } from "../payments/create";
import { actThroughProvider } from "../payments/provider-action";
import { getPaymentDetail, listPayments } from "../payments/queries";
import { submitRefund } from "../payments/refund";
import { syncPayment } from "../payments/sync";
import { updatePayment } from "../payments/update";
import { createStaff } from "../staff/create";
import { getCustomerSubscriptions } from "../subscriptions/queries";
import { isUuid } from "../validation/common";
import { isWebhookTypeName, webhookListOutcomes, webhookListProviders } from "../validation/webhook-list";
import { listNewestWebhookEvents } from "../webhooks/list";
import { replayWebhookEvent } from "../webhooks/replay";
import { registerApiKeyCommands } from "./api-keys";
import { registerApprovalCommands } from "./approvals";
import { describeVerify, registerAuditCheckpointCommand } from "./audit-checkpoint";
import { runAuditExport } from "./audit-export";
import { adminContext, withDatabase } from "./database";
import { registerEndpointCommands } from "./endpoints";
import { actorOption, jsonOption } from "./options";
import { emit, iso, table } from "./output";
import { runMain } from "./run-main";
import { bootstrapContextIfNoStaff } from "./staff-bootstrap";
import { registerStaffRoleCommand } from "./staff-role";
import { registerStaffTwoFactorCommands } from "./staff-two-factor";

// exitOverride before any subcommand exists, so every subcommand inherits it: usage
// errors print commander's one line and exit 2 through runMain.
const program = new Command("paydesk")
  .description("Paydesk back-office CLI: the same service the web app uses")
  .exitOverride()
  .configureOutput({ outputError: (str, write) => write(str) });

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError("expected a whole number ≥ 1");
  return Number(value);
}

/** A held action (lib/approvals): exit 0, nothing done yet, the request's id to approve. */
function emitAwaiting(json: boolean, held: AwaitingApproval): void {
  emit(
    json,
    {
      status: held.status,
      approvalRequestId: held.approvalRequestId,
      expiresAt: held.expiresAt,
      message: held.message,
    },
    () => `${held.message}\napproval request: ${held.approvalRequestId} (expires ${iso(held.expiresAt)})`,
  );
}

function money(minor: bigint, currency: string): string {
  return `${formatMinor(minor, currency)} ${currency}`;
}

function paymentView(p: {
  id: string;
  status: string;
  kind: string;
  amountMinor: bigint;
  refundedMinor: bigint;
  currency: string;
}) {
  return {
    ...p,
    amount: formatMinor(p.amountMinor, p.currency),
    refunded: formatMinor(p.refundedMinor, p.currency),
  };
}

// ---------------------------------------------------------------- customers
const customers = program.command("customers").description("manage customers");
customers
  .command("create")
  .requiredOption("--email <email>")
  .requiredOption("--name <name>")
  .option("--external-ref <ref>", "the customer's id in another system")
  .addOption(actorOption())
  .addOption(jsonOption())
  .action((opts) =>
    withDatabase(async (handle) => {
      const ctx = await adminContext(handle, opts.actor);
      const customer = await createCustomer(ctx, {
        email: opts.email,
        name: opts.name,
        externalRef: opts.externalRef,
      });
      emit(
        opts.json,
        customer,
        () => `Created customer ${customer.email} (${customer.name})\nid: ${customer.id}`,
      );
    }),
  );

// ---------------------------------------------------------------- payments
const payments = program.command("payments").description("create, change, refund and read payments");
payments
  .command("create")
  .requiredOption("--customer <id|email>")
  .requiredOption("--amount <decimal>", "e.g. 599.00 (0 for a trial)")
  .requiredOption("--currency <code>", "ISO 4217, e.g. RUB")
  .option("--plan <code>", "basic, premium, family")
  .option("--trial", "a zero-amount trial of the plan")
  .addOption(new Option("--status <status>", "status on create").choices(["pending", "succeeded"]))
  .addOption(new Option("--method <method>").choices(paymentMethods))
  .option("--description <text>")
  .option("--days <n>", "days of access this payment grants (default: the plan's)", positiveInt)
  .option("--idempotency-key <key>")
  .requiredOption("--reason <text>", "why (kept in the audit log)")
  .addOption(actorOption())
  .addOption(jsonOption())
  .action((opts) =>
    withDatabase(async (handle) => {
      const ctx = await adminContext(handle, opts.actor);
      const result = await submitPayment(ctx, {
        customer: opts.customer,
        amount: opts.amount,
        currency: opts.currency,
        plan: opts.plan,
        kind: opts.trial ? "trial" : "manual",
        status: opts.status,
        method: opts.method,
        description: opts.description,
        grantDays: opts.days,
        idempotencyKey: opts.idempotencyKey,
        reason: opts.reason,
      });
      if (result.status === "awaiting_approval") return emitAwaiting(opts.json, result);
      const p = result.payment;
      emit(
        opts.json,
        { ...paymentView(p), created: result.created, subscription: result.subscription },
        () => {
          const lines = [
            `${result.created ? "Created" : "Already exists (same idempotency key)"}: payment ${p.id}`,
            `${money(p.amountMinor, p.currency)}  ${p.status}  ${p.kind}`,
          ];
          if (result.subscription) {
            lines.push(
              `Subscription ${result.subscription.planCode} valid until ${iso(result.subscription.currentPeriodEnd)} (+${result.subscription.days} days)`,
            );
          }
          return lines.join("\n");
        },
      );
    }),
  );

payments
  .command("list")
  .option("--customer <id|email>")
  .addOption(new Option("--status <status>").choices(paymentStatuses))
  .option("--limit <n>", "at most this many, newest first (1–1000)", positiveInt, 50)
  .addOption(jsonOption())
  .action((opts) =>
    withDatabase(async (handle) => {
      const rows = await listPayments(handle.db, {
        customer: opts.customer,
        status: opts.status,
        limit: opts.limit,
      });
      const views = rows.map((r) => paymentView(r));
      emit(opts.json, { payments: views, count: views.length }, () =>
        rows.length === 0
          ? "No payments match."
          : table(
              ["id", "created", "status", "kind", "provider", "amount", "refunded", "customer", "plan"],
              rows.map((r) => [
                r.id,
                iso(r.createdAt),
                r.status,
                r.kind,
                r.provider,
                money(r.amountMinor, r.currency),
                formatMinor(r.refundedMinor, r.currency),
                r.customerEmail,
                r.planCode ?? "—",
              ]),
            ),
      );
    }),
  );

payments
  .command("show <paymentId>")
  .addOption(jsonOption())
  .action((paymentId: string, opts) =>
    withDatabase(async (handle) => {
      const d = await getPaymentDetail(handle.db, paymentId);
      const p = d.payment;
      emit(
        opts.json,
        {
          ...paymentView(p),
          customer: d.customer,
          plan: d.plan,
          refunds: d.refunds,
          disputes: d.disputes,
          grant: d.grant,
        },
        () =>
          [
            `Payment ${p.id}`,
            `  status      ${p.status}${p.disputed ? " (disputed)" : ""}`,
            `  amount      ${money(p.amountMinor, p.currency)} (refunded ${formatMinor(p.refundedMinor, p.currency)})`,
            `  kind        ${p.kind} via ${p.provider}${p.providerPaymentId ? ` ${p.providerPaymentId}` : ""}`,
            ...(p.provider !== "manual"
              ? [
                  `  provider    ${p.providerStatus ?? "—"}${p.providerError ? ` (last error: ${p.providerError})` : ""}; synced ${iso(p.providerSyncedAt)}`,
                ]
              : []),
            ...(p.reviewReason ? [`  review      held: ${p.reviewReason}`] : []),
            `  customer    ${d.customer.email} (${d.customer.name})`,
            `  plan        ${d.plan ? d.plan.code : "—"}`,
            `  method      ${p.method ?? "—"}`,
            `  description ${p.description ?? "—"}`,
            `  created     ${iso(p.createdAt)} by ${p.createdBy}`,
            `  succeeded   ${iso(p.succeededAt)}`,
            d.grant
              ? `  grant       ${d.grant.days} days, ${iso(d.grant.periodStart)} → ${iso(d.grant.periodEnd)}${d.grant.revokedAt ? ` (revoked ${iso(d.grant.revokedAt)})` : ""}`
              : "  grant       —",
            ...d.refunds.map(
              (r) =>
                `  refund      ${money(r.amountMinor, r.currency)} ${r.status}${r.providerRefundId ? ` ${r.providerRefundId}` : ""}${r.failureReason ? ` (${r.failureReason})` : ""}${r.bankReference ? ` ref ${r.bankReference}` : ""} at ${iso(r.createdAt)} by ${r.actor}: ${r.reason}`,
            ),
            ...d.disputes.map(
              (x) =>
                `  dispute     ${x.kind} ${x.providerDisputeId} ${x.status} (${x.providerStatus}) ${money(x.amountMinor, x.currency)}${x.reason ? ` ${x.reason}` : ""}`,
            ),
          ].join("\n"),
      );
    }),
  );

payments
  .command("status <paymentId> <status>")
  .requiredOption("--reason <text>")
  .addOption(actorOption())
  .addOption(jsonOption())
  .action((paymentId: string, status: string, opts) =>
    withDatabase(async (handle) => {
      const ctx = await adminContext(handle, opts.actor);
      const result = await changePaymentStatus(ctx, {
        paymentId,
        status: status as (typeof paymentStatuses)[number],
        reason: opts.reason,
      });
      const p = result.payment;
      emit(
        opts.json,
        { ...paymentView(p), changed: result.changed, subscription: result.subscription },
        () => {
          if (!result.changed) return `Payment ${p.id} is already ${p.status}: nothing changed`;
          const lines = [`Payment ${p.id}: ${result.previousStatus} → ${p.status}`];
          if (result.subscription) {
            lines.push(
              `Subscription ${result.subscription.planCode} ${result.subscription.status}, valid until ${iso(result.subscription.currentPeriodEnd)}`,
            );
          }
          return lines.join("\n");
        },
      );
    }),
  );

payments
  .command("refund <paymentId>")
  .option("--amount <decimal>", "default: everything that is left")
  .option("--revoke-access", "also revoke the access a partial refund would keep")
  .option("--keep-access", "a full refund that leaves the customer's access (compensation)")
  .option("--bank-reference <ref>", "the bank's reference of a manual refund's transfer")
  .requiredOption("--reason <text>")
  .addOption(actorOption())
  .addOption(jsonOption())
  .action((paymentId: string, opts) =>
    withDatabase(async (handle) => {
      const ctx = await adminContext(handle, opts.actor);
      const result = await submitRefund(ctx, {
        paymentId,
        amount: opts.amount,
        revokeAccess: Boolean(opts.revokeAccess),
        keepAccess: Boolean(opts.keepAccess),
        bankReference: opts.bankReference ?? null,
        reason: opts.reason,
      });
      if (result.status === "awaiting_approval") return emitAwaiting(opts.json, result);
      const p = result.payment;
      const view = {
        ...paymentView(p),
        refund: result.refund,
        outcome: result.outcome,
        message: result.message,
        subscription: result.subscription,
      };
      emit(opts.json, view, () => {
        if (result.outcome === "pending") {
          return `Refund ${result.refund.id} of ${money(result.refund.amountMinor, p.currency)} is pending: ${result.message}`;
        }
        const lines = [
          `Refunded ${money(result.refund.amountMinor, p.currency)} of payment ${p.id}: now ${p.status} (${formatMinor(p.refundedMinor, p.currency)} of ${formatMinor(p.amountMinor, p.currency)} refunded)`,
        ];
        if (result.subscription) {
          lines.push(
            `Access revoked: subscription ${result.subscription.planCode} ${result.subscription.status}, valid until ${iso(result.subscription.currentPeriodEnd)}`,
          );
        }
        return lines.join("\n");
      });
    }),
  );

payments
  .command("update <paymentId>")
  .option("--description <text>")
  .option("--metadata <json>", "replaces the metadata object")
  .requiredOption("--reason <text>")
  .addOption(actorOption())
  .addOption(jsonOption())
  .action((paymentId: string, opts) =>
    withDatabase(async (handle) => {
      const ctx = await adminContext(handle, opts.actor);
      let metadata: unknown;
      if (opts.metadata !== undefined) {
        try {
          metadata = JSON.parse(opts.metadata);
        } catch {
          throw new Error("--metadata must be a JSON object");
        }
      }
      const result = await updatePayment(ctx, {
        paymentId,
        description: opts.description,
        metadata: metadata as Record<string, never> | undefined,
        reason: opts.reason,
      });
      emit(opts.json, { ...paymentView(result.payment), changed: result.changed }, () =>
        result.changed ? `Updated payment ${result.payment.id}` : "Nothing changed",
      );
    }),
  );

// ---------------------------------------------------------------- subscriptions
program
  .command("subscriptions")
  .description("read subscriptions")
  .command("show <customer>")
  .description("a customer's subscriptions and the grants that explain them")
  .option("--plan <code>", "only this plan's subscription")
  .addOption(jsonOption())
  .action((customerKey: string, opts) =>
    withDatabase(async (handle) => {
      const result = await getCustomerSubscriptions(handle.db, customerKey);
      const customer = result.customer;
      const subscriptions = opts.plan
        ? result.subscriptions.filter((s) => s.plan.code === String(opts.plan).toLowerCase())
        : result.subscriptions;
      // Scripts usually ask about one subscription: the top level carries the one changed last.
      const latest = [...subscriptions].sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime())[0];
      const data = {
        customer: { id: customer.id, email: customer.email, name: customer.name },
        plan: latest?.plan.code ?? null,
        currentPeriodEnd: latest?.currentPeriodEnd ?? null,
        status: latest?.status ?? null,
        subscriptions,
      };
      emit(opts.json, data, () => {
        if (subscriptions.length === 0) return `${customer.email} has no subscriptions.`;
        return subscriptions
          .map((s) =>
            [
              `${s.plan.name} (${s.plan.code}): ${s.status}, valid until ${iso(s.currentPeriodEnd)}`,
              ...s.grants.map(
                (g) =>
                  `  ${g.isTrial ? "trial " : "paid  "} +${g.days}d  ${iso(g.periodStart)} → ${iso(g.periodEnd)}  payment ${g.paymentId}${g.revokedAt ? `  REVOKED ${iso(g.revokedAt)}` : ""}`,
              ),
            ].join("\n"),
          )
          .join("\n\n");
      });
    }),
  );

// ---------------------------------------------------------------- audit
const audit = program.command("audit").description("the audit trail");
audit
  .command("verify")
  .description("recompute every hash chain and check the signed checkpoints; exit 1 naming what is broken")
  .addOption(jsonOption())
  .action((opts) =>
    withDatabase(async (handle) => {
      const result = await verifyAuditChain(handle.db);
      emit(opts.json, result, () => describeVerify(result));
      if (!result.ok) process.exitCode = 1;
    }),
  );
registerAuditCheckpointCommand(audit);
audit
  .command("export")
  .description("the audit log as CSV on stdout: the same bytes as the web export for the same filters")
  .option("--from <day|timestamp>", "from this UTC day (YYYY-MM-DD) or ISO 8601 instant")
  .option("--to <day|timestamp>", "up to this UTC day (inclusive) or ISO 8601 instant")
  .option("--by <email|id>", "entries by this actor: staff email or id, or e.g. system:stripe")
  .option("--action <names>", "comma-separated actions, e.g. payment.refund,payment.status_change")
  .option("--entity-type <type>", "e.g. payment, customer, staff")
  .option("--entity-id <id>")
  .option("--actor <email>", "the admin or auditor this export is audited as (required)")
  .action((opts) =>
    withDatabase(async (handle) => {
      const result = await runAuditExport(handle, opts);
      process.stderr.write(`Exported ${result.rows} entries (recorded as audit entry ${result.entryId})\n`);
    }),
  );

/** What Sync, capture and cancel did: the payment as the provider left it, and one line per change. */
function emitProviderResult(
  json: boolean,
  p: Parameters<typeof paymentView>[0] & { providerStatus: string | null },
  result: { changed: boolean; notes: string[] },
) {
  emit(
    json,
    { ...paymentView(p), providerStatus: p.providerStatus, changed: result.changed, notes: result.notes },
    () =>
      [
        `Payment ${p.id}: ${p.status} (${p.providerStatus ?? "—"})`,
        ...result.notes.map((n) => `  ${n}`),
      ].join("\n"),
  );
}

payments
  .command("sync <paymentId>")
  .description("re-fetch a provider payment (status, captured amount, refunds, disputes) and apply it")
  .option("--reason <text>")
  .addOption(actorOption())
  .addOption(jsonOption())
  .action((paymentId: string, opts) =>
    withDatabase(async (handle) => {
      const ctx = await adminContext(handle, opts.actor);
      const result = await syncPayment(ctx, { paymentId, reason: opts.reason ?? null });
      emitProviderResult(Boolean(opts.json), result.payment, result);
    }),
  );

for (const action of ["capture", "cancel"] as const) {
  payments
    .command(`${action} <paymentId>`)
    .description(`${action} an authorised provider payment through the provider`)
    .option("--amount <decimal>", action === "capture" ? "capture less than authorised" : "(capture only)")
    .requiredOption("--reason <text>")
    .addOption(actorOption())
    .addOption(jsonOption())
    .action((paymentId: string, opts) =>
      withDatabase(async (handle) => {
        const ctx = await adminContext(handle, opts.actor);
        const result = await actThroughProvider(ctx, {
          paymentId,
          action,
          amount: opts.amount ?? null,
          reason: opts.reason,
        });
        if (!result.payment) throw new Error(result.notes.join("; "));
        emitProviderResult(Boolean(opts.json), result.payment, result);
      }),
    );
}

// ---------------------------------------------------------------- reconcile
const reconcileCmd = program
  .command("reconcile")
  .description("settle provider payments and refunds with the providers");
reconcileCmd
  .command("run")
  .description("one reconciliation pass now (as system:reconciler)")
  .option("--dry-run", "report what would change; change nothing, send nothing")
  .option("--older-than <minutes>", "only payments unchanged this long (default 15)", positiveInt)
  .addOption(jsonOption())
  .action((opts) =>
    withDatabase(async (handle) => {
      const report = await reconcile(handle.db, {
        dryRun: Boolean(opts.dryRun),
        ...(opts.olderThan ? { stuckAfterMs: opts.olderThan * 60_000 } : {}),
      });
      emit(opts.json, report, () =>
        [
          `${report.dryRun ? "Dry run: " : ""}checked ${report.checked}, changed ${report.changed}, not settled ${report.errors}`,
          ...report.items.map(
            (i) =>
              `  ${i.paymentId} ${i.provider} ${i.providerPaymentId ?? ""} ${i.outcome}: ${i.notes.join("; ")}`,
          ),
        ].join("\n"),
      );
    }),
  );

// ---------------------------------------------------------------- webhooks
const webhooks = program.command("webhooks").description("provider webhook events: the log and replays");
webhooks
  .command("list")
  .description("stored events, newest received first")
  .addOption(new Option("--status <outcome>", "what came of the event").choices(webhookListOutcomes))
  .addOption(new Option("--provider <provider>").choices(webhookListProviders))
  .addOption(
    new Option("--type <type>", "event type, e.g. payment_intent.succeeded").argParser((value) => {
      const name = value.trim().toLowerCase();
      if (!isWebhookTypeName(name)) throw new InvalidArgumentError("expected an event type name");
      return name;
    }),
  )
  .addOption(
    new Option("--payment <id>", "only the events about this payment").argParser((value) => {
      if (!isUuid(value.trim())) throw new InvalidArgumentError("expected a payment id");
      return value.trim().toLowerCase();
    }),
  )
  .option("--limit <n>", "at most this many, newest first (1–1000)", positiveInt, 50)
  .addOption(jsonOption())
  .action((opts) =>
    withDatabase(async (handle) => {
      const rows = await listNewestWebhookEvents(
        handle.db,
        {
          outcome: opts.status ? [opts.status] : [],
          provider: opts.provider ? [opts.provider] : [],
          type: opts.type ? [opts.type] : [],
          payment: opts.payment ?? null,
        },
        opts.limit,
      );
      emit(opts.json, { events: rows, count: rows.length }, () =>
        rows.length === 0
          ? "No webhook events match."
          : table(
              ["id", "received", "provider", "type", "outcome", "attempts", "payment", "reason / error"],
              rows.map((r) => [
                r.id,
                iso(r.receivedAt),
                r.provider,
                r.type,
                r.outcome ?? "not applied",
                String(r.attempts),
                r.paymentId ?? "—",
                (r.error ?? r.outcomeReason ?? "—").split("\n")[0]!.slice(0, 80),
              ]),
            ),
      );
    }),
  );

webhooks
  .command("replay <eventId>")
  .description("run a stored event through its provider's handler again (audited as you)")
  .option("--dry-run", "show what the replay would change, and change nothing")
  .addOption(actorOption())
  .addOption(jsonOption())
  .action((eventId: string, opts) =>
    withDatabase(async (handle) => {
      const ctx = await adminContext(handle, opts.actor);
      const result = await replayWebhookEvent(ctx, { eventId, dryRun: Boolean(opts.dryRun) });
      emit(opts.json, result, () => {
        const what = result.dryRun ? "Dry run of webhook event" : "Replayed webhook event";
        const ended =
          result.outcome === "failed"
            ? `${result.dryRun ? "would fail" : "failed"}: ${result.reason ?? "the handler raised an error"}`
            : `${result.dryRun ? "would end" : "ended"} ${result.outcome}${result.reason ? ` (${result.reason})` : ""}`;
        const lines = [
          `${what} ${result.id}: ${ended}; was ${result.previous.outcome ?? "not applied"}`,
          result.changes.length === 0
            ? result.dryRun
              ? "Nothing would change."
              : "Nothing changed."
            : `${result.changes.length} ${result.changes.length === 1 ? "change" : "changes"}${result.dryRun ? " (rolled back)" : ""}:`,
        ];
        for (const change of result.changes) {
          lines.push(`  ${change.action} ${change.entityType}:${change.entityId}`);
          for (const d of change.diff) {
            const show = (v: unknown) =>
              v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v);
            lines.push(
              `      ${d.path || "(value)"}: ${change.before === null ? "" : `${show(d.before)} → `}${show(d.after)}`,
            );
          }
        }
        return lines.join("\n");
      });
      if (result.outcome === "failed" && !result.dryRun) process.exitCode = 1;
    }),
  );

// ---------------------------------------------------------------- staff
const staff = program.command("staff").description("staff accounts");
staff
  .command("create")
  .requiredOption("--email <email>")
  .requiredOption("--name <name>")
  .addOption(new Option("--role <role>").choices(staffRoles).makeOptionMandatory())
  .option("--password-stdin", "read the password from standard input instead of generating one")
  .addOption(actorOption())
  .addOption(jsonOption())
  .action((opts) =>
    withDatabase(async (handle) => {
      const bootstrap = await bootstrapContextIfNoStaff(handle);
      if (bootstrap && opts.role !== "admin") {
        throw new Error("the first staff account must be an admin (nobody could manage staff otherwise)");
      }
      const ctx = bootstrap ?? (await adminContext(handle, opts.actor));
      const password = opts.passwordStdin ? await readStdin() : undefined;
      const result = await createStaff(ctx, {
        email: opts.email,
        name: opts.name,
        role: opts.role,
        password,
      });
      emit(opts.json, result, () =>
        [
          `Created ${result.user.role} ${result.user.email} (${result.user.id})`,
          result.oneTimePassword
            ? `One-time password (shown once): ${result.oneTimePassword}`
            : "Password set from stdin.",
        ].join("\n"),
      );
    }),
  );

registerEndpointCommands(program);
registerApiKeyCommands(program);
registerApprovalCommands(program);
registerStaffTwoFactorCommands(staff);
registerStaffRoleCommand(staff);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

runMain(async () => {
  await program.parseAsync(process.argv);
});
