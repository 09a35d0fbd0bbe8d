import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { inlineSqlText } from "@/db/inline-sql";

describe("inlineSqlText", () => {
  it("writes parameters in as literals, quotes doubled", () => {
    const at = new Date("2026-01-02T03:04:05.678Z");
    expect(
      inlineSqlText(sql`select ${"it's"}, ${42}, ${10n}, ${true}, ${null}, ${at}, ${"back\\slash"}`),
    ).toBe("select 'it''s', 42, 10, true, NULL, '2026-01-02T03:04:05.678Z', 'back\\slash'");
  });

  it("leaves $n inside quoted literals and identifiers alone, and $10 is not $1", () => {
    const values = Array.from({ length: 10 }, (_, i) => `v${i + 1}`);
    const text = inlineSqlText(
      sql`select '$1', "$2", ${sql.join(
        values.map((v) => sql`${v}`),
        sql`, `,
      )}`,
    );
    expect(text).toBe(`select '$1', "$2", ${values.map((v) => `'${v}'`).join(", ")}`);
  });

  it("refuses values it cannot write exactly", () => {
    expect(() => inlineSqlText(sql`select ${"a\0b"}`)).toThrow(/NUL/);
    expect(() => inlineSqlText(sql`select ${Number.NaN}`)).toThrow(/finite/);
    expect(() => inlineSqlText(sql`select ${{ a: 1 }}`)).toThrow(/no SQL literal/);
  });
});
