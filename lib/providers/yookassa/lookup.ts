import { AsyncLocalStorage } from "node:async_hooks";
import {
  fetchYooKassaPayment,
  fetchYooKassaRefund,
  isYooKassaApiError,
  type YooKassaApiError,
  type YooKassaPayment,
  type YooKassaRefund,
} from "./api";
import type { YooKassaConfig } from "./config";
import { isPaymentEvent, REFUND_SUCCEEDED, type YooKassaNotification } from "./notification";

/**
 * The API answers one delivery works from. The route fills it before the database
 * transaction opens (`prefetch`) and the handler, which runs inside that transaction, reads
 * it: so a slow or dead YooKassa API never holds a connection and row locks for its
 * timeout. A replay has no route in front and fetches here, inside its transaction.
 */
export class YooKassaLookup {
  private readonly payments = new Map<string, Promise<YooKassaPayment>>();
  private readonly refunds = new Map<string, Promise<YooKassaRefund>>();
  /** The first time the API could not answer (not "not found": an outage or setup error). */
  apiFailure: YooKassaApiError | null = null;
  /** Set when the API has not (yet) reached what the notification claims. */
  unconfirmed: YooKassaUnconfirmedError | null = null;

  constructor(private readonly config: YooKassaConfig) {}

  payment(id: string): Promise<YooKassaPayment> {
    return this.memo(this.payments, id, () => fetchYooKassaPayment(id, this.config));
  }

  refund(id: string): Promise<YooKassaRefund> {
    return this.memo(this.refunds, id, () => fetchYooKassaRefund(id, this.config));
  }

  /** Fetches what the handler will need for this notification; failures are kept for it. */
  async prefetch(n: YooKassaNotification): Promise<void> {
    try {
      if (isPaymentEvent(n.event)) await this.payment(n.objectId);
      else if (n.event === REFUND_SUCCEEDED) await this.payment((await this.refund(n.objectId)).paymentId);
    } catch {
      // Remembered in the memo; the handler meets the same error and decides.
    }
  }

  private memo<T>(cache: Map<string, Promise<T>>, id: string, load: () => Promise<T>): Promise<T> {
    let pending = cache.get(id);
    if (!pending) {
      pending = load().catch((err: unknown) => {
        if (isYooKassaApiError(err) && err.kind !== "not_found") this.apiFailure ??= err;
        throw err;
      });
      // Marked handled now; whoever awaits it still gets the rejection.
      pending.catch(() => {});
      cache.set(id, pending);
    }
    return pending;
  }
}

/**
 * The API does not (yet) confirm what the notification says. Thrown, not ignored: the event
 * stays unsettled (`failed`), so YooKassa's redelivery, or a replay, applies it once the API
 * agrees; an "ignored" outcome would make every later copy a duplicate.
 */
export class YooKassaUnconfirmedError extends Error {
  override name = "YooKassaUnconfirmed";
}

/** Notes on the delivery's lookup (for the route's answer) and returns the error to throw. */
export function unconfirmed(lookup: YooKassaLookup, message: string): YooKassaUnconfirmedError {
  const err = new YooKassaUnconfirmedError(message);
  lookup.unconfirmed ??= err;
  return err;
}

const current = new AsyncLocalStorage<YooKassaLookup>();

export function withLookup<T>(lookup: YooKassaLookup, fn: () => Promise<T>): Promise<T> {
  return current.run(lookup, fn);
}

export function currentLookup(): YooKassaLookup | undefined {
  return current.getStore();
}
