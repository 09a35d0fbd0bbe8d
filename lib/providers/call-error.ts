import { ServiceError } from "../errors";

export type ProviderName = "stripe" | "yookassa";

/**
 * What is known about a call to a provider that did not give a usable answer:
 * - `refused`: the provider answered and said no (4xx); nothing happened there.
 * - `not_sent`: nothing reached the provider (not configured, circuit open, rate limited).
 * - `unknown`: the request may have been carried out (timeout, connection lost, 5xx): the
 *   caller must treat it as "maybe" and settle it later with the same idempotency key.
 * - `not_found`: the provider has no such object.
 */
export type ProviderCallOutcome = "refused" | "not_sent" | "unknown" | "not_found";

export class ProviderCallError extends ServiceError {
  override name = "ProviderCallError";
  constructor(
    readonly provider: ProviderName,
    readonly outcome: ProviderCallOutcome,
    message: string,
    readonly httpStatus: number | null = null,
  ) {
    super(
      outcome === "refused"
        ? "provider_error"
        : outcome === "not_found"
          ? "not_found"
          : "provider_unavailable",
      message,
    );
  }
}

export function isProviderCallError(err: unknown): err is ProviderCallError {
  return err instanceof ProviderCallError;
}
