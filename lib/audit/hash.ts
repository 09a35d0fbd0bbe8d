import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

export interface HashableEntry {
  id: string;
  occurredAt: Date;
  actorType: string;
  actorId: string;
  actorEmail: string | null;
  actorRole: string | null;
  via: string;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
  reason: string | null;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  chainKey: string;
  chainSeq: number;
  prevHash: string | null;
}

/**
 * SHA-256 over the RFC 8785 canonical JSON of the entry, which includes its predecessor's hash.
 *
 * The entry's `clientRequestId` (audit_log.client_request_id) is deliberately not hashed: it
 * is whatever the client chose to send, evidence of nothing, and kept only to help match a
 * caller's logs. Leaving it out keeps every existing chain verifiable and keeps the CSV export
 * (which has no column for it) verifiable on its own; the request id we generate is hashed.
 */
export function hashEntry(entry: HashableEntry): string {
  const content = canonicalize({
    id: entry.id,
    occurredAt: entry.occurredAt.toISOString(),
    actorType: entry.actorType,
    actorId: entry.actorId,
    actorEmail: entry.actorEmail,
    actorRole: entry.actorRole,
    via: entry.via,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    before: entry.before ?? null,
    after: entry.after ?? null,
    reason: entry.reason,
    requestId: entry.requestId,
    ip: entry.ip,
    userAgent: entry.userAgent,
    chainKey: entry.chainKey,
    chainSeq: entry.chainSeq,
    prevHash: entry.prevHash,
  });
  if (content === undefined) throw new Error("audit entry is not serialisable");
  return createHash("sha256").update(content).digest("hex");
}
