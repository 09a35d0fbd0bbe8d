import type { z } from "zod";
import { ServiceError } from "../errors";
import { fieldErrorsOf } from "./common";

/** Parses with a shared schema; a failure becomes a `validation` ServiceError with field errors. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors = fieldErrorsOf(result.error);
  const first = result.error.issues[0];
  const where = first?.path.length ? `${first.path.join(".")}: ` : "";
  throw ServiceError.validation(`${where}${first?.message ?? "Invalid input"}`, fieldErrors);
}
