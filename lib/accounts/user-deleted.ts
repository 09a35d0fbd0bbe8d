import { and, asc, eq, isNotNull, or, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import {
  type Customer,
  customers,
  type InboundMessage,
  inboundMessages,
  type Payment,
  payments,
} from "@/db/schema";
import { nowOf, type ServiceContext } from "../context";
import { eraseCustomer } from "../customers/erase";
import { findCustomerByEmail, findCustomerByExternalRef } from "../customers/resolve";
import { cancelRunningSubscriptions } from "./cancel";
import {
  type ConsumedMessage,
  describeRequest,
  identifierHashes,
  parseUserDeleted,
  type UserDeletedRequest,
} from "./message";
import { suggestUnusedRefunds } from "./suggestions";

/** Who the audit log says acted when a message from the accounts system erased a customer. */
export const ACCOUNTS_ACTOR = "system:accounts" as const;

export type UserDeletedResult =
  /** This message id was handled before: nothing changed. */
  | { outcome: "duplicate"; messageId: string }
  | { outcome: "parked"; inboundId: string; reason: string }
  | {
      outcome: "processed";
      inboundId: string;
      customerId: string;
      /** The customer had been erased already (by an earlier message): nothing changed. */
      alreadyErased: boolean;
      canceled: string[];
      suggestions: { paymentId: string; amountMinor: bigint }[];
    };

export interface HandleOptions {
  /** The clock (tests). */
  now?: () => Date;
}

/**
 * Handles one `accounts.user.deleted` message in ONE transaction: records it by message id
 * (a message id seen before changes nothing), then for the customer it names cancels the running
 * subscriptions, suggests refunds of the unused paid time, and erases the personal data.
 * A message that cannot be handled is recorded as parked with the reason, for admins.
 *
 * Throws only for what may pass (the database is unreachable, a lock timed out): the consumer
 * then redelivers it later. Everything about the message itself ends in a recorded row.
 */
export async function handleUserDeleted(
  db: Db,
  message: ConsumedMessage,
  options: HandleOptions = {},
): Promise<UserDeletedResult> {
  const ctx: ServiceContext = {
    db,
    actor: { type: "system", id: ACCOUNTS_ACTOR },
    via: "system",
    // Every audit entry this message causes names it.
    requestId: message.messageId,
    now: options.now,
  };
  const parsed = parseUserDeleted(message.body);
  return db.transaction(async (tx) => {
    const now = nowOf(ctx);
    const [row] = await tx
      .insert(inboundMessages)
      .values({
        subject: message.subject,
        messageId: message.messageId,
        streamSeq: message.streamSeq ?? null,
        status: parsed.ok ? "processed" : "parked",
        reason: parsed.ok ? null : parsed.reason,
        payload: parsed.payload ?? null,
        rawExcerpt: parsed.ok ? null : parsed.rawExcerpt,
        receivedAt: now,
      })
      .onConflictDoNothing({ target: [inboundMessages.subject, inboundMessages.messageId] })
      .returning();
    if (!row) return { outcome: "duplicate", messageId: message.messageId };
    if (!parsed.ok) return { outcome: "parked", inboundId: row.id, reason: parsed.reason };
    return applyUserDeleted(tx, ctx, row, parsed.request, now);
  });
}

/**
 * The work of a recorded message (also what a retry of a parked one runs): find the customer,
 * then cancel, suggest and erase; the message's row ends `processed` or `parked`.
 */
export async function applyUserDeleted(
  tx: Tx,
  ctx: ServiceContext,
  row: InboundMessage,
  request: UserDeletedRequest,
  now: Date,
): Promise<UserDeletedResult> {
  const target = await findTarget(tx, request);
  if (target.kind === "ambiguous") return park(tx, row, target.reason);
  if (target.kind === "none") {
    const erased = await erasedEarlier(tx, request);
    if (!erased) return park(tx, row, `No customer with ${describeRequest(request)}`);
    return processed(tx, row, request, now, { customerId: erased, alreadyErased: true });
  }

  // Lock order: the customer (what is erased), its payments, then its subscriptions.
  const [customer] = await tx.select().from(customers).where(eq(customers.id, target.id)).for("update");
  if (!customer) throw new Error("customer vanished");
  // Erased meanwhile (another message about the same user committed first), or named by its tombstone.
  if (customer.erasedAt) {
    return processed(tx, row, request, now, { customerId: customer.id, alreadyErased: true });
  }
  const locked = await lockPayments(tx, customer);
  const why = `User deleted in the accounts system (message ${row.messageId})`;
  const canceled = await cancelRunningSubscriptions(tx, ctx, customer.id, now, why);
  const suggestions = await suggestUnusedRefunds(tx, ctx, {
    customerId: customer.id,
    periods: canceled.flatMap((c) => c.runningPaid),
    payments: locked,
    now,
  });
  await eraseCustomer(tx, ctx, customer, now, why);
  return processed(tx, row, request, now, {
    customerId: customer.id,
    alreadyErased: false,
    canceled: canceled.map((c) => c.subscriptionId),
    suggestions: suggestions.map((s) => ({ paymentId: s.paymentId, amountMinor: s.amountMinor })),
  });
}

type Target = { kind: "customer"; id: string } | { kind: "none" } | { kind: "ambiguous"; reason: string };

/** The customer the message names: by external ref (`user_id`), by email, or both agreeing. */
async function findTarget(tx: Tx, request: UserDeletedRequest): Promise<Target> {
  const byRef = request.userId ? await findCustomerByExternalRef(tx, request.userId) : null;
  const byEmail = request.email ? await findCustomerByEmail(tx, request.email) : null;
  if (byRef && byEmail && byRef.id !== byEmail.id) {
    return {
      kind: "ambiguous",
      reason: `user_id ${request.userId} and email ${request.email} name two different customers (${byRef.id}, ${byEmail.id})`,
    };
  }
  const found: Customer | null = byRef ?? byEmail;
  return found ? { kind: "customer", id: found.id } : { kind: "none" };
}

/**
 * The customer an earlier processed message erased, recognised by the hashes of the identifiers
 * that message carried (the identifiers themselves are gone with the erasure).
 */
async function erasedEarlier(tx: Tx, request: UserDeletedRequest): Promise<string | null> {
  const hashes = identifierHashes(request);
  const matches = [
    hashes.userIdSha256
      ? sql`${inboundMessages.payload} ->> 'userIdSha256' = ${hashes.userIdSha256}`
      : undefined,
    hashes.emailSha256
      ? sql`${inboundMessages.payload} ->> 'emailSha256' = ${hashes.emailSha256}`
      : undefined,
  ];
  const [hit] = await tx
    .select({ customerId: inboundMessages.customerId })
    .from(inboundMessages)
    .innerJoin(customers, eq(customers.id, inboundMessages.customerId))
    .where(and(eq(inboundMessages.status, "processed"), isNotNull(customers.erasedAt), or(...matches)))
    .limit(1);
  return hit?.customerId ?? null;
}

/** Every payment of the customer, locked in id order (payments before subscriptions, always). */
async function lockPayments(tx: Tx, customer: Customer): Promise<Map<string, Payment>> {
  const rows = await tx
    .select()
    .from(payments)
    .where(eq(payments.customerId, customer.id))
    .orderBy(asc(payments.id))
    .for("update");
  return new Map(rows.map((p) => [p.id, p]));
}

async function park(tx: Tx, row: InboundMessage, reason: string): Promise<UserDeletedResult> {
  await tx
    .update(inboundMessages)
    .set({ status: "parked", reason, processedAt: null })
    .where(eq(inboundMessages.id, row.id));
  return { outcome: "parked", inboundId: row.id, reason };
}

async function processed(
  tx: Tx,
  row: InboundMessage,
  request: UserDeletedRequest,
  now: Date,
  result: {
    customerId: string;
    alreadyErased: boolean;
    canceled?: string[];
    suggestions?: { paymentId: string; amountMinor: bigint }[];
  },
): Promise<UserDeletedResult> {
  // The identifiers leave with the customer's other personal data; their hashes stay so the
  // next message about the same user is recognised.
  await tx
    .update(inboundMessages)
    .set({
      status: "processed",
      reason: result.alreadyErased ? "The customer had already been erased: nothing changed" : null,
      payload: identifierHashes(request),
      rawExcerpt: null,
      customerId: result.customerId,
      processedAt: now,
    })
    .where(eq(inboundMessages.id, row.id));
  return {
    outcome: "processed",
    inboundId: row.id,
    customerId: result.customerId,
    alreadyErased: result.alreadyErased,
    canceled: result.canceled ?? [],
    suggestions: result.suggestions ?? [],
  };
}
