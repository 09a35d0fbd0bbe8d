import type { WebhookEvent } from "@/db/schema";
import type { WebhookOutcome } from "@/db/schema/enums";
import type { ServiceContext } from "../context";

export type WebhookProvider = "stripe" | "yookassa";

/** A delivery whose origin the route has established; nothing is stored before this. */
export interface VerifiedDelivery {
  provider: WebhookProvider;
  /** The dedupe key: Stripe's event id; YooKassa's `${object.id}:${event}`. */
  eventId: string;
  type: string;
  /** The parsed JSON body. */
  payload: unknown;
  /** How the origin was established: "stripe-signature", "ip-allowlist", "ip-allowlist+hmac". */
  verification: string;
  /**
   * The provider object the event is about (Stripe: the PaymentIntent id), so that the
   * handler can find an object's other events (e.g. a refund that arrived before its payment).
   */
  subjectId?: string | null;
}

export interface DeliveryMeta {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
}

/** A row of webhook_events, as handlers receive it. */
export type StoredWebhookEvent = WebhookEvent;

export interface HandlerResult {
  outcome: "processed" | "ignored";
  reason?: string;
  /** The payment the event touched (recorded on the event, shown in the event log). */
  paymentId?: string | null;
}

/**
 * Applies one stored event. `ctx.db` is the open transaction of the application: the
 * handler's service calls nest in it, so the event's outcome commits with its effects.
 * Throwing rolls everything back and stores the event as `failed` (replayable).
 */
export type WebhookHandler = (ctx: ServiceContext, event: StoredWebhookEvent) => Promise<HandlerResult>;

/** One audit entry an application wrote (or, in a dry run, would write). */
export interface AuditEntrySummary {
  action: string;
  entityType: string;
  entityId: string;
  actorId: string;
  before: unknown;
  after: unknown;
  reason: string | null;
}

export interface ApplyResult {
  outcome: WebhookOutcome;
  reason?: string;
  paymentId?: string | null;
  /** The audit entries the application wrote; in a dry run, the ones it would have written. */
  changes: AuditEntrySummary[];
}

export function systemActorId(provider: WebhookProvider): `system:${WebhookProvider}` {
  return `system:${provider}`;
}
