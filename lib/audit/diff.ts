/** One changed value between two JSON documents. */
export interface JsonChange {
  /** Dotted path of object keys (`metadata.order`); "" for the document itself. */
  path: string;
  /** `undefined` when the key did not exist before. */
  before: unknown;
  /** `undefined` when the key no longer exists. */
  after: unknown;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Structural equality of JSON-like values (Dates by instant, arrays element by element). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Code-unit order: the same on every machine and locale (jsonb does not keep key order anyway). */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function walk(before: JsonObject, after: JsonObject, prefix: string, out: JsonChange[]): void {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of [...keys].sort(byCodeUnit)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const had = Object.hasOwn(before, key);
    const has = Object.hasOwn(after, key);
    const b = had ? before[key] : undefined;
    const a = has ? after[key] : undefined;
    if (had && has && isObject(b) && isObject(a)) {
      walk(b, a, path, out);
    } else if (had !== has || !jsonEqual(b, a)) {
      out.push({ path, before: b, after: a });
    }
  }
}

/**
 * What changed from `before` to `after`: nested objects are walked (dotted paths), arrays
 * and other values compare as whole values, a key on one side only is reported with
 * `undefined` on the other. Keys are sorted, so the order is stable. A missing document
 * (null or undefined, as in a creation's `before`) counts as an empty object when the
 * other side is an object, so a creation lists every field it set.
 */
export function diffJson(before: unknown, after: unknown): JsonChange[] {
  const out: JsonChange[] = [];
  const b = before == null && isObject(after) ? {} : before;
  const a = after == null && isObject(before) ? {} : after;
  if (isObject(b) && isObject(a)) walk(b, a, "", out);
  else if (!jsonEqual(b, a) && !(before == null && after == null)) out.push({ path: "", before, after });
  return out;
}
