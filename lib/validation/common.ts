import { z } from "zod";
import { isKnownCurrency } from "../money/currency";

// Postgres text cannot hold NUL; refuse it at the edge rather than fail in the database.
const noNul = (s: string) => !s.includes("\u0000");

export const text = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `${label} must be at most ${max} characters`)
    .refine(noNul, `${label} contains an invalid character`);

export const requiredText = (label: string, max: number, min = 1) =>
  text(label, max).pipe(
    z.string().min(min, min === 1 ? `${label} is required` : `${label} needs at least ${min} characters`),
  );

export const reason = requiredText("Reason", 500, 3);

export const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, "Email is too long")
  .pipe(z.email("Enter a valid email address"));

export const currency = z
  .string()
  .trim()
  .toUpperCase()
  .refine((c) => isKnownCurrency(c), "Unknown ISO 4217 currency code");

export const uuid = z.uuid("Not a valid id");

/** JSON metadata: string keys, JSON values, small enough to read in a timeline. */
export const metadata = z
  .record(z.string().min(1).max(100).refine(noNul), z.json())
  .refine((m) => JSON.stringify(m).length <= 8000, "Metadata is too large (8 KB at most)")
  .refine((m) => !JSON.stringify(m).includes("\\u0000"), "Metadata contains an invalid character");

export type FieldErrors = Record<string, string[]>;

/** zod issues → `{ field: [messages] }`, the shape forms and the CLI show. */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join(".") : "_form";
    const list = out[key] ?? [];
    list.push(issue.message);
    out[key] = list;
  }
  return out;
}
