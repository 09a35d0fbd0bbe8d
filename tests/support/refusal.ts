import { isServiceError, type ServiceError } from "@/lib/errors";

/**
 * The ServiceError a verb refused with. A verb that succeeds, or fails with anything other than
 * a ServiceError, fails the test (the latter with its own error, so its stack is kept).
 */
export async function refusal(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    if (isServiceError(err)) return err;
    throw err;
  }
  throw new Error("expected a ServiceError, but the call succeeded");
}
