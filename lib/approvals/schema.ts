import { z } from "zod";
import { approvalRuleKinds, approvalStatuses } from "@/db/schema/approvals";
import { parseAmount } from "../money/money";
import { currency, reason, uuid } from "../validation/common";

/** The largest days limit a grant rule may have (ten years, as the grant fields allow). */
export const MAX_RULE_DAYS = 3660;

/**
 * A threshold in minor units: typed as a whole number (kopecks, cents), never a float.
 * Accepts a bigint (service callers) or a digit string (forms, CLI).
 */
const thresholdMinor = z
  .union([
    z.bigint(),
    z
      .string()
      .trim()
      .regex(/^\d{1,15}$/, "Enter the threshold in minor units (a whole number)"),
  ])
  .transform((v) => (typeof v === "bigint" ? v : BigInt(v)))
  .refine((v) => v > 0n, "The threshold must be positive")
  .refine((v) => v < 10n ** 15n, "The threshold is too large");

const days = z.coerce
  .number({ error: "Enter a number of days" })
  .int("Days must be a whole number")
  .min(1, "Days must be at least 1")
  .max(MAX_RULE_DAYS, `Days must be at most ${MAX_RULE_DAYS}`);

/** The threshold as a person types it: a decimal in the rule's currency ("10000.00"). */
const thresholdText = z.string().trim().min(1, "Enter a threshold").max(40, "The threshold is too long");

/** Minor units from `threshold` (decimal, parsed against the currency) or `thresholdMinor`. */
function minorFrom(
  v: { threshold?: string; thresholdMinor?: bigint },
  currencyCode: string,
  zctx: z.RefinementCtx,
): bigint | typeof z.NEVER {
  if (v.threshold !== undefined) {
    const parsed = parseAmount(v.threshold, currencyCode);
    if (!parsed.ok) {
      zctx.addIssue({ code: "custom", path: ["threshold"], message: parsed.error });
      return z.NEVER;
    }
    if (parsed.minor <= 0n) {
      zctx.addIssue({ code: "custom", path: ["threshold"], message: "The threshold must be positive" });
      return z.NEVER;
    }
    return parsed.minor;
  }
  if (v.thresholdMinor === undefined) {
    zctx.addIssue({ code: "custom", path: ["threshold"], message: "Enter a threshold" });
    return z.NEVER;
  }
  return v.thresholdMinor;
}

/** A money rule (one per kind and currency) or the grant rule's days limit. */
export const createRuleInput = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.enum(["payment.create", "payment.refund_full"], { error: "Unknown rule kind" }),
      currency,
      thresholdMinor: thresholdMinor.optional(),
      threshold: thresholdText.optional(),
      enabled: z.boolean().default(true),
    })
    .transform((v, zctx) => ({
      kind: v.kind,
      currency: v.currency,
      thresholdMinor: minorFrom(v, v.currency, zctx),
      enabled: v.enabled,
    })),
  z.object({ kind: z.literal("subscription.grant"), days, enabled: z.boolean().default(true) }),
]);
export type CreateRuleInput = z.input<typeof createRuleInput>;

export const updateRuleInput = z
  .object({
    id: uuid,
    thresholdMinor: thresholdMinor.optional(),
    /** A decimal in the rule's currency; parsed by the verb, which knows the currency. */
    threshold: thresholdText.optional(),
    days: days.optional(),
    enabled: z.boolean().optional(),
  })
  .refine(
    (v) =>
      v.thresholdMinor !== undefined ||
      v.threshold !== undefined ||
      v.days !== undefined ||
      v.enabled !== undefined,
    {
      message: "Nothing to change",
      path: ["_form"],
    },
  );
export type UpdateRuleInput = z.input<typeof updateRuleInput>;

export const ruleIdInput = z.object({ id: uuid });

export const decisionInput = z.object({ id: z.uuid("Not a valid request id"), reason });
export type DecisionInput = z.input<typeof decisionInput>;

export const requestStatusFilter = z.enum(approvalStatuses, {
  error: `Status must be one of: ${approvalStatuses.join(", ")}`,
});
export { approvalRuleKinds };
