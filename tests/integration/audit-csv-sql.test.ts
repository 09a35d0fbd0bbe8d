import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "@/db/rows";
import { encodeCsv } from "@/lib/audit/csv";
import { csvField } from "@/lib/audit/csv-sql";
import { freshDatabase, type TestDatabase } from "../support/db";

// The export's rows are encoded by the database (lib/audit/csv-sql.ts); the quoting and
// neutralisation rules are specified, and property-tested, by the JavaScript encoder
// `encodeCsv`. Here the two must agree cell for cell on arbitrary text, so the database
// side inherits every property the unit tests prove.

/** Text a database column can hold: no NUL, no lone surrogate. */
const storableText = fc
  .oneof(
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.string({
      unit: fc.constantFrom("=", "+", "-", "@", "\t", "\r", "\n", '"', ",", "'", "a", " ", "＝", "＠"),
      maxLength: 12,
    }),
  )
  .filter((s) => !s.includes("\u0000") && s.isWellFormed());

describe("audit CSV encoded by the database", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function databaseCell(value: string | null): Promise<string> {
    const [row] = await queryRows<{ cell: string }>(
      t.db,
      sql`select ${csvField(sql`${value}::text`)} as cell`,
    );
    return row!.cell;
  }

  /** The reference encoding of one cell: a one-cell record without its CRLF. */
  const referenceCell = (value: string | null) => encodeCsv([[value]]).replace(/\r\n$/, "");

  it("encodes NULL, the empty string and every dangerous first character as encodeCsv does", async () => {
    for (const value of [
      null,
      "",
      "=SUM(A1)",
      "+1",
      "-1",
      "@x",
      "\tx",
      "\rx",
      "'x",
      "＝1",
      'a"b',
      "a,b",
      "a\nb",
      "plain",
    ]) {
      expect(await databaseCell(value), JSON.stringify(value)).toBe(referenceCell(value));
    }
  });

  it("agrees with encodeCsv on arbitrary text", async () => {
    await fc.assert(
      fc.asyncProperty(storableText, async (value) => {
        expect(await databaseCell(value)).toBe(referenceCell(value));
      }),
      { numRuns: 300 },
    );
  });
});
