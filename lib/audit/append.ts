import { randomUUID } from "node:crypto";
import { desc, eq, sql } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { auditLog } from "@/db/schema";
import { nowOf, type ServiceContext, step } from "../context";
import { type HashableEntry, hashEntry } from "./hash";
import { toJson } from "./json";

export interface AuditEntryInput {
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

export interface AppendOptions {
  /**
   * The caller holds the entity's row lock (`SELECT … FOR UPDATE`) or created the entity in
   * this transaction, so no other transaction can write to its chain until commit.
   */
  entityLocked?: boolean;
}

export type AuditWriter = Pick<
  ServiceContext,
  "actor" | "via" | "requestId" | "clientRequestId" | "ip" | "userAgent" | "now" | "onStep"
>;

/**
 * The only writer of the audit log. Runs inside the caller's transaction, so the entry
 * commits or rolls back with the change it records.
 *
 * Entries are chained per entity (`payment:<id>`, `subscription:<id>`, …): a transaction
 * waits only for others touching the same entity, which it already serialises with
 * `FOR UPDATE`, instead of every writer queueing on one global chain head.
 */
export async function appendAudit(
  tx: Tx,
  ctx: AuditWriter,
  input: AuditEntryInput,
  options: AppendOptions = {},
): Promise<string> {
  const chainKey = `${input.entityType}:${input.entityId}`;
  // Serialises writers of one chain, unless the caller already does (the unique chain
  // position is the backstop either way: a lost race fails the transaction, never forks the chain).
  if (!options.entityLocked) {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${chainKey}, 0))`);
  }
  const [head] = await tx
    .select({ chainSeq: auditLog.chainSeq, hash: auditLog.hash })
    .from(auditLog)
    .where(eq(auditLog.chainKey, chainKey))
    .orderBy(desc(auditLog.chainSeq))
    .limit(1);

  const actor = ctx.actor;
  const entry: HashableEntry = {
    id: randomUUID(),
    occurredAt: nowOf(ctx),
    actorType: actor.type,
    actorId: actor.id,
    actorEmail: actor.type === "staff" ? actor.email : null,
    actorRole: actor.type === "staff" ? actor.role : null,
    via: ctx.via,
    action: input.action,
    entityType: input.entityType,
    entityId: input.entityId,
    before: input.before === undefined ? null : toJson(input.before),
    after: input.after === undefined ? null : toJson(input.after),
    reason: storable(input.reason),
    requestId: storable(ctx.requestId),
    ip: storable(ctx.ip),
    userAgent: storable(ctx.userAgent),
    chainKey,
    chainSeq: (head?.chainSeq ?? 0) + 1,
    prevHash: head?.hash ?? null,
  };
  await step(ctx, "audit.before_insert");
  await tx.insert(auditLog).values({
    ...entry,
    // Kept beside the hashed content, not in it (see hashEntry).
    clientRequestId: storable(ctx.clientRequestId),
    hash: hashEntry(entry),
  });
  return entry.id;
}

/** Text exactly as the database will keep it (no NUL, no lone surrogate), so the hash matches. */
function storable(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.replaceAll("\u0000", "\uFFFD").toWellFormed();
}
