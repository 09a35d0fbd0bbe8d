import { and, eq, inArray, or } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { type Customer, customers, domainEvents, payments, subscriptions, webhookEvents } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { type ServiceContext, step } from "../context";
import { emitEvent } from "../events/emit";

/** What an erased customer is called from now on. */
export const ERASED_NAME = "Erased customer";
/** What stands in for an erased external reference inside stored payloads. */
export const ERASED_REF = "[erased]";

/**
 * The erased customer's email: unique (it carries the customer id), shaped like an address (the
 * table's check), and in the `.invalid` top-level domain, which can never receive mail (RFC 2606).
 */
export function tombstoneEmail(customerId: string): string {
  return `erased+${customerId}@erased.invalid`;
}

export interface ErasedIdentity {
  customerId: string;
  email: string;
  name: string;
  externalRef: string | null;
}

/** A name this long is matched inside longer text too ("Paid by Anna Petrova"); a shorter one only whole. */
const NAME_IN_TEXT_MIN = 5;

/**
 * The value with the customer's identifiers replaced wherever they appear verbatim: the email
 * inside any string (case-insensitively), the name inside any string (whole strings only for
 * very short names, which would match inside other words), a string that is exactly the external
 * reference. Other personal data a provider sent (a cardholder's name spelled differently, an
 * address) is not recognisable and stays; docs/erasure.md says so.
 */
export function redactIdentity(value: unknown, who: ErasedIdentity): unknown {
  const email = who.email.toLowerCase();
  const name = who.name.trim().toLowerCase();
  const tombstone = tombstoneEmail(who.customerId);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      if (who.externalRef !== null && v === who.externalRef) return ERASED_REF;
      if (name.length >= 2 && v.trim().toLowerCase() === name) return ERASED_NAME;
      const withoutEmail = email.length > 0 ? replaceAllInsensitive(v, email, tombstone) : v;
      return name.length >= NAME_IN_TEXT_MIN
        ? replaceAllInsensitive(withoutEmail, name, ERASED_NAME)
        : withoutEmail;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value);
}

function replaceAllInsensitive(text: string, needle: string, replacement: string): string {
  const lower = text.toLowerCase();
  // Lower-casing can change a string's length (rare letters); then only an exact match is safe.
  if (lower.length !== text.length) return text.split(needle).join(replacement);
  let out = "";
  let from = 0;
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, from)) {
    out += text.slice(from, at) + replacement;
    from = at + needle.length;
  }
  return from === 0 ? text : out + text.slice(from);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export interface EraseResult {
  customer: Customer;
  /** Rows whose stored payloads named the customer and were rewritten. */
  redacted: { payments: number; webhookEvents: number; domainEvents: number };
}

/**
 * Erases a customer's personal data inside the caller's transaction. The caller holds the
 * customer's row lock and, before it, the locks of the customer's payments (payments are
 * rewritten here too: their metadata and description may carry the email).
 *
 * Kept: the customer row itself (payments reference it), payments, amounts, refunds, provider
 * ids, grants, and the audit log as it is (append-only and hash-chained: its entries are not
 * rewritten, see docs/erasure.md). The audit entry of the erasure records the tombstones only,
 * never the erased values.
 */
export async function eraseCustomer(
  tx: Tx,
  ctx: ServiceContext,
  customer: Customer,
  now: Date,
  reason: string,
): Promise<EraseResult> {
  const who: ErasedIdentity = {
    customerId: customer.id,
    email: customer.email,
    name: customer.name,
    externalRef: customer.externalRef,
  };
  const [erased] = await tx
    .update(customers)
    .set({
      email: tombstoneEmail(customer.id),
      name: ERASED_NAME,
      externalRef: null,
      erasedAt: now,
      updatedAt: now,
    })
    .where(eq(customers.id, customer.id))
    .returning();
  if (!erased) throw new Error("customer update lost");
  await step(ctx, "customer.erased");

  // Payments: the metadata (`paydesk_customer` may be the email) and the description. The
  // version moves so an edit form opened before the erasure cannot write the old values back;
  // updated_at stays, because it means "last change of the payment's state" to the lists.
  const owned = await tx
    .select({
      id: payments.id,
      metadata: payments.metadata,
      description: payments.description,
      providerPaymentId: payments.providerPaymentId,
      version: payments.version,
    })
    .from(payments)
    .where(eq(payments.customerId, customer.id));
  let paymentRows = 0;
  for (const p of owned) {
    const metadata = redactIdentity(p.metadata, who) as Record<string, unknown>;
    const description = p.description === null ? null : (redactIdentity(p.description, who) as string);
    if (same(metadata, p.metadata) && description === p.description) continue;
    await tx
      .update(payments)
      .set({ metadata, description, version: p.version + 1 })
      .where(eq(payments.id, p.id));
    paymentRows++;
  }

  // Provider notifications about those payments keep the provider's object (receipt email,
  // billing name, the same metadata).
  const paymentIds = owned.map((p) => p.id);
  const providerIds = owned.flatMap((p) => (p.providerPaymentId ? [p.providerPaymentId] : []));
  let webhookRows = 0;
  if (paymentIds.length > 0) {
    const events = await tx
      .select({ id: webhookEvents.id, payload: webhookEvents.payload })
      .from(webhookEvents)
      .where(
        or(
          inArray(webhookEvents.paymentId, paymentIds),
          providerIds.length > 0 ? inArray(webhookEvents.subjectId, providerIds) : undefined,
        ),
      );
    for (const e of events) {
      const payload = redactIdentity(e.payload, who);
      if (same(payload, e.payload)) continue;
      await tx.update(webhookEvents).set({ payload }).where(eq(webhookEvents.id, e.id));
      webhookRows++;
    }
  }

  // The outbox: `customer.created` carries email and name, payment events carry metadata. What
  // was already published to JetStream or a webhook endpoint is beyond reach (customer.erased
  // tells consumers to forget it); what is still waiting goes out without it.
  const subs = await tx
    .select({ id: subscriptions.id })
    .from(subscriptions)
    .where(eq(subscriptions.customerId, customer.id));
  const aggregates = [
    and(eq(domainEvents.aggregateType, "customer"), eq(domainEvents.aggregateId, customer.id)),
    paymentIds.length > 0
      ? and(eq(domainEvents.aggregateType, "payment"), inArray(domainEvents.aggregateId, paymentIds))
      : undefined,
    subs.length > 0
      ? and(
          eq(domainEvents.aggregateType, "subscription"),
          inArray(
            domainEvents.aggregateId,
            subs.map((s) => s.id),
          ),
        )
      : undefined,
  ];
  const outbox = await tx
    .select({ id: domainEvents.id, payload: domainEvents.payload })
    .from(domainEvents)
    .where(or(...aggregates));
  let eventRows = 0;
  for (const e of outbox) {
    const payload = redactIdentity(e.payload, who);
    if (same(payload, e.payload)) continue;
    await tx.update(domainEvents).set({ payload }).where(eq(domainEvents.id, e.id));
    eventRows++;
  }
  await step(ctx, "customer.redacted");

  const redacted = { payments: paymentRows, webhookEvents: webhookRows, domainEvents: eventRows };
  await appendAudit(
    tx,
    ctx,
    {
      action: "customer.erase",
      entityType: "customer",
      entityId: customer.id,
      // Deliberately without the erased values: writing them here would keep them forever.
      before: { erasedAt: null, hadExternalRef: customer.externalRef !== null },
      after: {
        email: erased.email,
        name: erased.name,
        externalRef: null,
        erasedAt: now,
        redacted,
      },
      reason,
    },
    { entityLocked: true },
  );
  await emitEvent(tx, {
    type: "customer.erased",
    aggregateType: "customer",
    aggregateId: customer.id,
    payload: { customerId: customer.id, erasedAt: now },
    at: now,
  });
  return { customer: erased, redacted };
}
