import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "@/db/schema";
import { auditExportStream, startAuditExport } from "@/lib/audit/export";
import { parseAuditListQuery } from "@/lib/validation/audit-list";
import { backend, freshDatabase, type TestDatabase } from "../support/db";
import { ctxFor, insertStaff } from "../support/fixtures";

// On PostgreSQL the export's records come from COPY's own CSV encoder plus the formula
// neutralisation in SQL (lib/audit/csv-sql.ts, auditCsvCopySql); on PGlite from the SQL
// encoding that audit-csv-sql.test.ts holds to encodeCsv cell for cell. Here the two must give
// the same bytes for the same rows, however hostile their text.

/** Text a database column can hold: no NUL, no lone surrogate. */
const hostile = fc
  .oneof(
    fc.constant(null),
    fc.constant(""),
    fc.string({ unit: "grapheme", maxLength: 30 }),
    fc.string({
      unit: fc.constantFrom(
        "=",
        "+",
        "-",
        "@",
        "\t",
        "\r",
        "\n",
        '"',
        ",",
        "'",
        "a",
        " ",
        "＝",
        "＠",
        "\\",
        ".",
      ),
      maxLength: 10,
    }),
  )
  .filter((s) => s === null || (!s.includes("\u0000") && s.isWellFormed()));

describe.runIf(backend === "postgres")(
  "audit export: COPY and the keyset batches write the same bytes",
  () => {
    let t: TestDatabase;
    let actor: Awaited<ReturnType<typeof insertStaff>>;
    // The rows' day, as the filter: each export records itself, and must not meet the other's entry.
    const DAY = "2025-03-01";

    beforeAll(async () => {
      t = await freshDatabase();
      actor = await insertStaff(t.db, "auditor");
      const values = fc.sample(fc.array(hostile, { minLength: 8, maxLength: 8 }), {
        numRuns: 400,
        seed: 4_242,
      });
      const base = Date.parse("2025-03-01T00:00:00.000Z");
      await t.db.insert(auditLog).values(
        values.map((v, i) => ({
          id: randomUUID(),
          occurredAt: new Date(base + i),
          actorType: "staff",
          actorId: v[0] ?? "x",
          actorEmail: v[1],
          actorRole: v[2],
          via: "web",
          action: "payment.create",
          entityType: "copy",
          entityId: v[3] ?? "e",
          before: v[4] === null ? null : { text: v[4], [v[5] ?? "k"]: [v[6], 1, true] },
          after: { line: v[7] },
          reason: v[5],
          requestId: v[6] ?? randomUUID(),
          ip: v[7],
          userAgent: v[0],
          chainKey: `copy:${i}`,
          chainSeq: 1,
          prevHash: null,
          hash: `h${i}`,
        })),
      );
    });
    afterAll(async () => {
      await t?.close();
    });

    async function exportBytes(method: "copy" | "batches"): Promise<Buffer> {
      const ctx = ctxFor(t.db, {
        type: "staff",
        id: actor.id,
        email: actor.email,
        name: actor.name,
        role: actor.role,
      });
      const exp = await startAuditExport(
        ctx,
        parseAuditListQuery(new URLSearchParams({ from: DAY, to: DAY })),
        {
          method,
          batchSize: 37,
        },
      );
      const parts: Buffer[] = [];
      for await (const chunk of auditExportStream(exp)) parts.push(Buffer.from(chunk));
      expect(exp.rowCount).toBe(400);
      return Buffer.concat(parts);
    }

    it("byte for byte, for 400 rows of hostile text in every kind of column", async () => {
      const batched = await exportBytes("batches");
      const copied = await exportBytes("copy");
      expect(copied.length).toBeGreaterThan(400 * 100);
      expect(copied.toString("utf8")).toBe(batched.toString("utf8"));
    });
  },
);
