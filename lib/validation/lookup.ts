import { z } from "zod";
import { isStorableText } from "./common";

/** Longest text the command palette looks up: an email is at most 254, a URL a little more. */
export const LOOKUP_MAX = 500;

export const lookupInput = z.object({
  q: z
    .string()
    .max(LOOKUP_MAX, `Search text must be at most ${LOOKUP_MAX} characters`)
    .refine(isStorableText, "Search text contains an invalid character"),
});
export type LookupInput = z.input<typeof lookupInput>;
