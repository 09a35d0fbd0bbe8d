import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";

const dialect = new PgDialect();

/**
 * One value as an SQL literal. Strings are quoted with `'` doubled, which is exact under
 * `standard_conforming_strings = on` (PostgreSQL's default since 9.1, and what `copyStatementText`
 * callers set on their connection); anything else the export does not produce is refused rather
 * than guessed at.
 */
function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") {
    if (value.includes("\0")) throw new Error("a NUL character cannot be sent to PostgreSQL");
    return `'${value.replaceAll("'", "''")}'`;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) return `'${value.toISOString()}'`;
  throw new Error(`no SQL literal for a ${typeof value}`);
}

/**
 * The statement as text with its parameters written in as literals. For `COPY`, which takes no
 * bind parameters: PostgreSQL refuses `$1` inside `COPY (SELECT …)`. Placeholders are replaced
 * only outside quoted literals and identifiers, so a `$1` inside a string is left alone.
 */
export function inlineSqlText(query: SQL): string {
  const { sql: text, params } = dialect.sqlToQuery(query);
  let out = "";
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      out += c;
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c === "$") {
      const digits = /^\d+/.exec(text.slice(i + 1))?.[0];
      if (digits) {
        const index = Number(digits) - 1;
        if (index < 0 || index >= params.length) throw new Error(`no parameter $${digits}`);
        out += literal(params[index]);
        i += digits.length;
        continue;
      }
    }
    out += c;
  }
  if (quote) throw new Error("unterminated quoted text in the statement");
  return out;
}
