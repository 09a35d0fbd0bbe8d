import { and, count, desc, eq, gt, isNull, ne } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Queryable } from "@/db/client";
import { staffUsers } from "@/db/schema";
import { type ApprovalStatus, approvalRequests } from "@/db/schema/approvals";
import type { ApprovalRequest } from "./types";

export interface RequestRow extends ApprovalRequest {
  requesterEmail: string;
  deciderEmail: string | null;
}

const decider = alias(staffUsers, "decider");

/** Requests, newest first, with who asked and who decided. */
export async function listRequests(
  db: Queryable,
  filter: { status?: ApprovalStatus; requestedBy?: string; limit?: number } = {},
): Promise<RequestRow[]> {
  const conditions = [
    filter.status ? eq(approvalRequests.status, filter.status) : undefined,
    filter.requestedBy ? eq(approvalRequests.requestedBy, filter.requestedBy) : undefined,
  ].filter((c) => c !== undefined);
  const rows = await db
    .select({ request: approvalRequests, requesterEmail: staffUsers.email, deciderEmail: decider.email })
    .from(approvalRequests)
    .innerJoin(staffUsers, eq(staffUsers.id, approvalRequests.requestedBy))
    .leftJoin(decider, eq(decider.id, approvalRequests.decidedBy))
    .where(and(...conditions))
    .orderBy(desc(approvalRequests.requestedAt), desc(approvalRequests.id))
    .limit(filter.limit ?? 200);
  return rows.map((r) => ({ ...r.request, requesterEmail: r.requesterEmail, deciderEmail: r.deciderEmail }));
}

export async function getRequest(db: Queryable, id: string): Promise<ApprovalRequest | null> {
  const [row] = await db.select().from(approvalRequests).where(eq(approvalRequests.id, id));
  return row ?? null;
}

export interface ApprovalCounts {
  /** Pending, unexpired requests other admins made: this viewer may decide them. */
  awaitingYou: number;
  /** This viewer's own requests decided (or expired) since they last looked at /approvals. */
  yoursDecided: number;
}

export async function approvalCounts(
  db: Queryable,
  staffId: string,
  now: Date = new Date(),
): Promise<ApprovalCounts> {
  const [awaiting] = await db
    .select({ n: count() })
    .from(approvalRequests)
    .where(
      and(
        eq(approvalRequests.status, "pending"),
        ne(approvalRequests.requestedBy, staffId),
        gt(approvalRequests.expiresAt, now),
      ),
    );
  const [decided] = await db
    .select({ n: count() })
    .from(approvalRequests)
    .where(
      and(
        eq(approvalRequests.requestedBy, staffId),
        ne(approvalRequests.status, "pending"),
        isNull(approvalRequests.requesterNotifiedAt),
      ),
    );
  return { awaitingYou: Number(awaiting?.n ?? 0), yoursDecided: Number(decided?.n ?? 0) };
}

/** The requester has seen the outcomes of their decided requests (shown on /approvals). */
export async function markOutcomesSeen(
  db: Queryable,
  staffId: string,
  now: Date = new Date(),
): Promise<number> {
  const rows = await db
    .update(approvalRequests)
    .set({ requesterNotifiedAt: now })
    .where(
      and(
        eq(approvalRequests.requestedBy, staffId),
        ne(approvalRequests.status, "pending"),
        isNull(approvalRequests.requesterNotifiedAt),
      ),
    )
    .returning({ id: approvalRequests.id });
  return rows.length;
}
