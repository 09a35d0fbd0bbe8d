import { asc, eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { approvalRules } from "@/db/schema/approvals";
import { appendAudit } from "../audit/append";
import { assertCan, nowOf, type ServiceContext } from "../context";
import { isUniqueViolation } from "../db-errors";
import { ServiceError } from "../errors";
import { parseAmount } from "../money/money";
import { parseInput } from "../validation/parse";
import {
  type CreateRuleInput,
  createRuleInput,
  ruleIdInput,
  type UpdateRuleInput,
  updateRuleInput,
} from "./schema";
import type { ApprovalRule } from "./types";

export const RULE_KIND_LABELS = {
  "payment.create": "Manual payment",
  "payment.refund_full": "Full refund",
  "subscription.grant": "Grant of days",
} as const;

export async function listRules(db: Queryable): Promise<ApprovalRule[]> {
  return db.select().from(approvalRules).orderBy(asc(approvalRules.kind), asc(approvalRules.currency));
}

function ruleSnapshot(r: ApprovalRule) {
  return {
    kind: r.kind,
    currency: r.currency,
    thresholdMinor: r.thresholdMinor,
    days: r.days,
    enabled: r.enabled,
  };
}

function duplicate(kind: string, currency: string | null): ServiceError {
  return currency
    ? ServiceError.field(
        "currency",
        `There is already a ${RULE_KIND_LABELS[kind as keyof typeof RULE_KIND_LABELS] ?? kind} rule for ${currency}: edit it instead`,
      )
    : ServiceError.field("kind", "There is already a grant rule: edit its days instead");
}

/** Adds a threshold for a currency (money rules) or the grant rule; audited `approval_rule.create`. */
export async function createRule(ctx: ServiceContext, raw: CreateRuleInput): Promise<ApprovalRule> {
  assertCan(ctx, "approval_rule.manage");
  const input = parseInput(createRuleInput, raw);
  const now = nowOf(ctx);
  const values =
    input.kind === "subscription.grant"
      ? { kind: input.kind, currency: null, thresholdMinor: null, days: input.days }
      : { kind: input.kind, currency: input.currency, thresholdMinor: input.thresholdMinor, days: null };
  try {
    return await ctx.db.transaction(async (tx) => {
      const [rule] = await tx
        .insert(approvalRules)
        .values({ ...values, enabled: input.enabled, createdAt: now, updatedAt: now })
        .returning();
      if (!rule) throw new Error("rule insert returned nothing");
      await appendAudit(
        tx,
        ctx,
        {
          action: "approval_rule.create",
          entityType: "approval_rule",
          entityId: rule.id,
          before: null,
          after: ruleSnapshot(rule),
        },
        { entityLocked: true },
      );
      return rule;
    });
  } catch (err) {
    if (isUniqueViolation(err, "approval_rules_kind_currency_key"))
      throw duplicate(values.kind, values.currency);
    throw err;
  }
}

async function lockRule(tx: Queryable, id: string): Promise<ApprovalRule> {
  const [rule] = await tx.select().from(approvalRules).where(eq(approvalRules.id, id)).for("update");
  if (!rule) throw ServiceError.notFound(`No approval rule with id ${id}`);
  return rule;
}

/** Changes a rule's threshold (money rules), days (grant rule) or enabled flag; audited `approval_rule.update`. */
export async function updateRule(ctx: ServiceContext, raw: UpdateRuleInput): Promise<ApprovalRule> {
  assertCan(ctx, "approval_rule.manage");
  const input = parseInput(updateRuleInput, raw);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const before = await lockRule(tx, input.id);
    const isGrant = before.kind === "subscription.grant";
    let newMinor = input.thresholdMinor;
    if (!isGrant && input.threshold !== undefined) {
      const parsed = parseAmount(input.threshold, before.currency ?? "");
      if (!parsed.ok) throw ServiceError.field("threshold", parsed.error);
      if (parsed.minor <= 0n) throw ServiceError.field("threshold", "The threshold must be positive");
      newMinor = parsed.minor;
    }
    if (isGrant && (input.thresholdMinor !== undefined || input.threshold !== undefined)) {
      throw ServiceError.field("thresholdMinor", "A grant rule has days, not an amount");
    }
    if (!isGrant && input.days !== undefined) {
      throw ServiceError.field("days", "A money rule has a threshold, not days");
    }
    const [after] = await tx
      .update(approvalRules)
      .set({
        ...(newMinor !== undefined ? { thresholdMinor: newMinor } : {}),
        ...(input.days !== undefined ? { days: input.days } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        updatedAt: now,
      })
      .where(eq(approvalRules.id, before.id))
      .returning();
    if (!after) throw new Error("rule vanished under its lock");
    await appendAudit(
      tx,
      ctx,
      {
        action: "approval_rule.update",
        entityType: "approval_rule",
        entityId: after.id,
        before: ruleSnapshot(before),
        after: ruleSnapshot(after),
      },
      { entityLocked: true },
    );
    return after;
  });
}

/** Removes a rule (requests that matched it keep their copy of it); audited `approval_rule.delete`. */
export async function deleteRule(ctx: ServiceContext, raw: { id: string }): Promise<{ id: string }> {
  assertCan(ctx, "approval_rule.manage");
  const input = parseInput(ruleIdInput, raw);
  return ctx.db.transaction(async (tx) => {
    const before = await lockRule(tx, input.id);
    await tx.delete(approvalRules).where(eq(approvalRules.id, before.id));
    await appendAudit(
      tx,
      ctx,
      {
        action: "approval_rule.delete",
        entityType: "approval_rule",
        entityId: before.id,
        before: ruleSnapshot(before),
        after: null,
      },
      { entityLocked: true },
    );
    return { id: before.id };
  });
}
