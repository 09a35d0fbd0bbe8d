import { z } from "zod";
import { isIsoDay } from "./shapes";

/**
 * Building blocks for a list's state as it lives in the URL, shared by the payments,
 * customers, audit and webhook lists.
 *
 * Nothing here fails: a shared link with one bad parameter must still render, so an invalid
 * value becomes null, an empty list or a fallback instead of an error.
 */

export type SearchParamValue = string | string[] | undefined;
/** The record shape Next.js passes as `searchParams`. */
export type SearchParamsRecord = Record<string, SearchParamValue>;

/** The first value of a parameter (`?a=1&a=2` → "1"), or undefined. */
export function firstValue(raw: unknown): string | undefined {
  if (typeof raw === "string") return raw;
  if (Array.isArray(raw)) return raw.find((v): v is string => typeof v === "string");
  return undefined;
}

/** Every comma-separated value of a parameter, repeated or not (`?s=a,b&s=c` → a, b, c). */
export function listValues(raw: unknown): string[] {
  const values = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : [];
  return values
    .filter((v): v is string => typeof v === "string")
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** Known values of an enum, de-duplicated, in the enum's own order (so URLs are canonical). */
export const enumList = <T extends string>(values: readonly T[]) =>
  z.unknown().transform((raw): T[] => {
    const wanted = new Set(listValues(raw).map((v) => v.toLowerCase()));
    return values.filter((v) => wanted.has(v));
  });

/** One of a fixed set of values (a sort, a page size), or the fallback. */
export const oneOf = <T extends string | number>(values: readonly T[], fallback: T) =>
  z.unknown().transform((raw): T => {
    const v = firstValue(raw)?.trim();
    return values.find((candidate) => String(candidate) === v) ?? fallback;
  });

export { isIsoDay } from "./shapes";

/** A UTC day `YYYY-MM-DD`, or null. */
export const isoDay = z.unknown().transform((raw): string | null => {
  const v = firstValue(raw)?.trim();
  return v && isIsoDay(v) ? v : null;
});

/** Longest cursor the URL may carry; the lists' cursors are base64url. */
const MAX_CURSOR_LENGTH = 512;
const CURSOR_SHAPE = /^[A-Za-z0-9_-]+$/;

/** An opaque keyset cursor, shape-checked only (the list decodes it), or null. */
export const cursorParam = z.unknown().transform((raw): string | null => {
  const v = firstValue(raw)?.trim();
  return v && v.length <= MAX_CURSOR_LENGTH && CURSOR_SHAPE.test(v) ? v : null;
});

/** `back=1`: page backwards from the cursor. */
export const backFlag = z.unknown().transform((raw): boolean => firstValue(raw)?.trim() === "1");

/** URLSearchParams → the record shape Next.js passes as `searchParams` (repeated keys become arrays). */
export function searchParamsRecord(params: URLSearchParams): SearchParamsRecord {
  const out: SearchParamsRecord = {};
  for (const [key, value] of params) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}
