export type ServiceErrorCode =
  | "validation"
  | "not_found"
  | "forbidden"
  | "invalid_transition"
  | "idempotency_conflict"
  | "conflict"
  | "provider_unavailable"
  | "provider_error";

/** The one error type service verbs throw for anything a caller can act on. */
export class ServiceError extends Error {
  override name = "ServiceError";
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
  }

  static validation(message: string, fieldErrors: Record<string, string[]> = {}) {
    return new ServiceError("validation", message, fieldErrors);
  }
  static field(field: string, message: string) {
    return new ServiceError("validation", message, { [field]: [message] });
  }
  static notFound(message: string) {
    return new ServiceError("not_found", message);
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof ServiceError;
}

/** A refusal in one line, with its field errors ("Unknown plan (plan: Unknown plan \"x\")"). */
export function describeServiceError(err: ServiceError): string {
  const fields = Object.entries(err.fieldErrors)
    .filter(([k]) => k !== "_form")
    .map(([k, v]) => `${k}: ${v.join(", ")}`);
  return fields.length && !fields.some((f) => f.includes(err.message))
    ? `${err.message} (${fields.join("; ")})`
    : err.message;
}
