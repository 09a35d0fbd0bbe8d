import { and, desc, eq } from "drizzle-orm";
import type { Queryable, Tx } from "@/db/client";
import { type WebhookEndpoint, webhookDeliveries, webhookEndpoints } from "@/db/schema";
import { type AuditWriter, appendAudit } from "../audit/append";
import { assertCan, nowOf, type ServiceContext, step } from "../context";
import { ServiceError } from "../errors";
import { parseInput } from "../validation/parse";
import { type TargetOptions, targetProblem } from "./address";
import { generateSecret, ROTATION_OVERLAP_MS } from "./signature";
import {
  type CreateEndpointInput,
  createEndpointInput,
  type DisableEndpointInput,
  disableEndpointInput,
  type EndpointRefInput,
  endpointRefInput,
} from "./validation";

/** An endpoint as pages, the CLI and audit entries show it: never a secret. */
export type EndpointView = Omit<WebhookEndpoint, "secret" | "previousSecret">;

export function endpointView(row: WebhookEndpoint): EndpointView {
  const { secret: _secret, previousSecret: _previous, ...view } = row;
  return view;
}

/** What an audit entry records of an endpoint (no secret, no timestamps that every write moves). */
function audited(row: WebhookEndpoint) {
  return {
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    status: row.status,
    disabledReason: row.disabledReason,
  };
}

export interface EndpointWithSecret {
  endpoint: EndpointView;
  /** Shown once to whoever created or rotated it. */
  secret: string;
}

export async function createEndpoint(
  ctx: ServiceContext,
  raw: CreateEndpointInput,
  target: TargetOptions = {},
): Promise<EndpointWithSecret> {
  assertCan(ctx, "endpoint.manage");
  const input = parseInput(createEndpointInput, raw);
  const problem = await targetProblem(input.url, target);
  if (problem) throw ServiceError.field("url", problem);
  const secret = generateSecret();
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(webhookEndpoints)
      .values({
        url: input.url,
        description: input.description || null,
        eventTypes: input.eventTypes,
        secret,
        createdByStaffId: ctx.actor.type === "staff" ? ctx.actor.id : null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!row) throw new Error("endpoint insert returned nothing");
    await step(ctx, "endpoint.written");
    await appendAudit(
      tx,
      ctx,
      {
        action: "endpoint.create",
        entityType: "webhook_endpoint",
        entityId: row.id,
        before: null,
        after: audited(row),
      },
      { entityLocked: true },
    );
    return { endpoint: endpointView(row), secret };
  });
}

export interface EndpointListItem extends EndpointView {
  /** The newest delivery to this endpoint, for "last delivery" on the list. */
  lastDelivery: {
    status: string;
    eventType: string;
    lastStatusCode: number | null;
    lastAttemptAt: Date | null;
    createdAt: Date;
  } | null;
}

/** Every endpoint, newest first, with its newest delivery's outcome. */
export async function listEndpoints(db: Queryable): Promise<EndpointListItem[]> {
  const rows = await db
    .select()
    .from(webhookEndpoints)
    .orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id));
  // One indexed probe per endpoint (endpoint_id, created_at desc): endpoints are few,
  // deliveries many.
  return Promise.all(
    rows.map(async (row) => {
      const [last] = await db
        .select({
          status: webhookDeliveries.status,
          eventType: webhookDeliveries.eventType,
          lastStatusCode: webhookDeliveries.lastStatusCode,
          lastAttemptAt: webhookDeliveries.lastAttemptAt,
          createdAt: webhookDeliveries.createdAt,
        })
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.endpointId, row.id))
        .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
        .limit(1);
      return { ...endpointView(row), lastDelivery: last ?? null };
    }),
  );
}

export async function getEndpoint(db: Queryable, id: string): Promise<EndpointView> {
  const [row] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id.toLowerCase()));
  if (!row) throw ServiceError.notFound(`No webhook endpoint with id ${id}`);
  return endpointView(row);
}

async function lockEndpoint(tx: Tx, id: string): Promise<WebhookEndpoint> {
  const [row] = await tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).for("update");
  if (!row) throw ServiceError.notFound(`No webhook endpoint with id ${id}`);
  return row;
}

export interface EndpointChange {
  endpoint: EndpointView;
  /** False when it already was in the requested state: nothing was written. */
  changed: boolean;
}

/**
 * Disables a locked endpoint: no new deliveries, and its pending ones end as failed (each can be
 * resent from the log once it is enabled again). Shared by the admin verb and by a 410 answer.
 */
export async function disableLockedEndpoint(
  tx: Tx,
  ctx: AuditWriter,
  before: WebhookEndpoint,
  reason: string,
  now: Date,
): Promise<WebhookEndpoint> {
  const [row] = await tx
    .update(webhookEndpoints)
    .set({ status: "disabled", disabledReason: reason, disabledAt: now, updatedAt: now })
    .where(eq(webhookEndpoints.id, before.id))
    .returning();
  if (!row) throw new Error("endpoint update lost");
  const failed = await tx
    .update(webhookDeliveries)
    .set({ status: "failed", nextAttemptAt: null, lastError: `endpoint disabled: ${reason}` })
    .where(and(eq(webhookDeliveries.endpointId, before.id), eq(webhookDeliveries.status, "pending")))
    .returning({ id: webhookDeliveries.id });
  await appendAudit(
    tx,
    ctx,
    {
      action: "endpoint.disable",
      entityType: "webhook_endpoint",
      entityId: row.id,
      before: audited(before),
      after: { ...audited(row), pendingDeliveriesFailed: failed.length },
      reason,
    },
    { entityLocked: true },
  );
  return row;
}

export async function disableEndpoint(
  ctx: ServiceContext,
  raw: DisableEndpointInput,
): Promise<EndpointChange> {
  assertCan(ctx, "endpoint.manage");
  const input = parseInput(disableEndpointInput, raw);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const before = await lockEndpoint(tx, input.endpointId.toLowerCase());
    if (before.status === "disabled") return { endpoint: endpointView(before), changed: false };
    const who = ctx.actor.type === "staff" ? ctx.actor.email : ctx.actor.id;
    const row = await disableLockedEndpoint(tx, ctx, before, input.reason || `Disabled by ${who}`, now);
    await step(ctx, "endpoint.done");
    return { endpoint: endpointView(row), changed: true };
  });
}

export async function enableEndpoint(ctx: ServiceContext, raw: EndpointRefInput): Promise<EndpointChange> {
  assertCan(ctx, "endpoint.manage");
  const input = parseInput(endpointRefInput, raw);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const before = await lockEndpoint(tx, input.endpointId.toLowerCase());
    if (before.status === "enabled") return { endpoint: endpointView(before), changed: false };
    const [row] = await tx
      .update(webhookEndpoints)
      .set({ status: "enabled", disabledReason: null, disabledAt: null, updatedAt: now })
      .where(eq(webhookEndpoints.id, before.id))
      .returning();
    if (!row) throw new Error("endpoint update lost");
    await step(ctx, "endpoint.written");
    await appendAudit(
      tx,
      ctx,
      {
        action: "endpoint.enable",
        entityType: "webhook_endpoint",
        entityId: row.id,
        before: audited(before),
        after: audited(row),
      },
      { entityLocked: true },
    );
    return { endpoint: endpointView(row), changed: true };
  });
}

export interface RotatedSecret extends EndpointWithSecret {
  /** Until then the old secret signs too (a second `v1,` signature). */
  previousSecretExpiresAt: Date;
}

/**
 * A new secret, shown once. The old one keeps signing beside it for ROTATION_OVERLAP_MS, so a
 * receiver can switch to the new one without rejecting a single message. Rotating again during
 * an overlap drops the oldest secret at once.
 */
export async function rotateEndpointSecret(
  ctx: ServiceContext,
  raw: EndpointRefInput,
): Promise<RotatedSecret> {
  assertCan(ctx, "endpoint.manage");
  const input = parseInput(endpointRefInput, raw);
  const secret = generateSecret();
  const now = nowOf(ctx);
  const previousSecretExpiresAt = new Date(now.getTime() + ROTATION_OVERLAP_MS);
  return ctx.db.transaction(async (tx) => {
    const before = await lockEndpoint(tx, input.endpointId.toLowerCase());
    const [row] = await tx
      .update(webhookEndpoints)
      .set({ secret, previousSecret: before.secret, previousSecretExpiresAt, updatedAt: now })
      .where(eq(webhookEndpoints.id, before.id))
      .returning();
    if (!row) throw new Error("endpoint update lost");
    await step(ctx, "endpoint.written");
    await appendAudit(
      tx,
      ctx,
      {
        action: "endpoint.rotate_secret",
        entityType: "webhook_endpoint",
        entityId: row.id,
        // Only when the overlap ends: the secrets themselves never enter the audit log.
        before: { previousSecretExpiresAt: before.previousSecretExpiresAt },
        after: { previousSecretExpiresAt },
      },
      { entityLocked: true },
    );
    return { endpoint: endpointView(row), secret, previousSecretExpiresAt };
  });
}
