import { AsyncLocalStorage } from "node:async_hooks";

/**
 * A request id chosen by our own code for the work it wraps (the webhook delivery wrapper
 * fixes one so its log line and the receiver's audit entries carry the same id). In memory,
 * never a header: nothing a client sends can set it.
 */
const storage = new AsyncLocalStorage<string>();

export function withRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run(requestId, fn);
}

export function fixedRequestId(): string | undefined {
  return storage.getStore();
}
