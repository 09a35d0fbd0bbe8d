/**
 * A parsed JSON body as PostgreSQL will accept it in jsonb and text: no NUL characters (which
 * jsonb refuses) and no lone surrogates. Signed provider bodies never contain either, but an
 * unsigned one must not be able to turn a store into an error.
 */
export function storableJson(value: unknown): unknown {
  if (typeof value === "string") return storableText(value);
  if (Array.isArray(value)) return value.map(storableJson);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) out[storableText(k)] = storableJson(v);
    }
    return out;
  }
  return value;
}

export function storableText(value: string): string {
  return value.replaceAll("\u0000", "\uFFFD").toWellFormed();
}
