import { z } from "zod";
import { isKnownCurrency } from "../money/currency";
import { isStorableText } from "./shapes";

export { isStorableText } from "./shapes";

/** Every key and string inside a JSON value is storable text. */
export function isStorableJson(value: unknown): boolean {
  if (typeof value === "string") return isStorableText(value);
  if (Array.isArray(value)) return value.every(isStorableJson);
  if (value && typeof value === "object") {
    return Object.entries(value).every(([k, v]) => isStorableText(k) && isStorableJson(v));
  }
  return true;
}

export const text = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `${label} must be at most ${max} characters`)
    .refine(isStorableText, `${label} contains an invalid character`);

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

export { isUuid } from "./shapes";

/** JSON metadata: string keys, JSON values, small enough to read in a timeline. */
export const metadata = z
  .record(
    z.string().min(1, "Metadata keys cannot be empty").max(100, "Metadata keys are at most 100 characters"),
    z.json(),
  )
  .refine(isStorableJson, "Metadata contains an invalid character")
  .refine((m) => JSON.stringify(m).length <= 8000, "Metadata is too large (8 KB at most)");

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
