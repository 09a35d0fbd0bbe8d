/** Turns a snapshot into plain JSON (Dates → ISO strings, bigints → strings) so it hashes the same after a jsonb round trip. */
export function toJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  // What the database stores for a lone surrogate is U+FFFD; hash what will be stored.
  if (typeof value === "string") return value.toWellFormed();
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) out[k.toWellFormed()] = toJson(v);
    }
    return out;
  }
  return value;
}
