import { eq } from "drizzle-orm";
import { payments } from "@/db/schema";
import { actorLabel, assertCan, type ServiceContext } from "../context";
import { ServiceError } from "../errors";
import { parseAmount } from "../money/money";
import { providerAdapter, providerName } from "../providers/adapter";
import { parseInput } from "../validation/parse";
import { type ProviderActionInput, providerActionInput } from "../validation/payment";
import { type ApplyProviderResult, applyProviderState } from "./apply-provider-state";

/**
 * Capture or cancel an authorised provider payment *through the provider*: Paydesk changes
 * only after the provider accepts, by applying the provider's answer like any other state of
 * it. The idempotency key is one per payment and action, so a double click or a retry after a
 * lost answer captures (or cancels) once.
 */
export async function actThroughProvider(
  ctx: ServiceContext,
  raw: ProviderActionInput,
): Promise<ApplyProviderResult> {
  assertCan(ctx, "payment.sync");
  const input = parseInput(providerActionInput, raw);
  const [payment] = await ctx.db.select().from(payments).where(eq(payments.id, input.paymentId));
  if (!payment) throw ServiceError.notFound(`No payment with id ${input.paymentId}`);
  if (payment.provider === "manual") {
    throw new ServiceError(
      "invalid_transition",
      "A manual payment is captured or canceled by changing its status",
    );
  }
  const adapter = providerAdapter(payment.provider);
  const name = providerName(payment.provider);
  const refusal = input.action === "capture" ? adapter.canCapture(payment) : adapter.canCancel(payment);
  if (refusal) throw new ServiceError("invalid_transition", refusal);

  let amountMinor: bigint | null = null;
  if (input.action === "capture" && input.amount) {
    const parsed = parseAmount(input.amount, payment.currency);
    if (!parsed.ok) throw ServiceError.field("amount", parsed.error);
    if (parsed.minor <= 0n) throw ServiceError.field("amount", "The amount to capture must be positive");
    const authorised = payment.requestedMinor ?? payment.amountMinor;
    if (parsed.minor > authorised)
      throw ServiceError.field("amount", "Cannot capture more than was authorised");
    amountMinor = parsed.minor;
  }
  const key = `paydesk-${input.action}-${payment.id}`;
  const source = `${input.action === "capture" ? "Captured" : "Canceled"} through ${name} by ${actorLabel(ctx.actor)}: ${input.reason}`;
  const state =
    input.action === "capture"
      ? await adapter.capture(payment, amountMinor, key, source)
      : await adapter.cancel(payment, key, source);
  return applyProviderState(ctx, state, { fetched: true });
}
