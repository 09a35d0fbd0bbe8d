/** Small helpers every benchmark script uses: configuration, connection strings, tables. */

export function intEnv(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

/** The same server, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** host:port/database, never the password. */
export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return `${u.host}${u.pathname}`;
}

/** postgres.js options that keep NOTICEs (e.g. "database does not exist, skipping") off the output. */
export const quiet = { onnotice: () => {} };

/** A plain-text table: the first `alignLeft` columns left-aligned, the rest right-aligned. */
export function table(headers: string[], rows: (string | number)[][], alignLeft = 1): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i < alignLeft ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].map((l) => `  ${l}`).join("\n");
}
