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

/** SHA-256 over the RFC 8785 canonical JSON of the entry, which includes its predecessor's hash. */
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
