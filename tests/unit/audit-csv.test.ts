import { randomUUID } from "node:crypto";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuditRow } from "@/db/schema";
import {
  AUDIT_CSV_COLUMNS,
  auditCsvCast,
  type CsvCell,
  encodeAuditCsv,
  encodeCsv,
  neutraliseCell,
  restoreCell,
  startsDangerously,
} from "@/lib/audit/csv";
import { type HashableEntry, hashEntry } from "@/lib/audit/hash";
import { toJson } from "@/lib/audit/json";
import { verifyAuditExport } from "@/lib/audit/verify-export";

/** What a spreadsheet would run as a formula (OWASP), plus the full-width forms some fold into them. */
const DANGEROUS = ["=", "+", "-", "@", "\t", "\r", "\uFF1D", "\uFF0B", "\uFF0D", "\uFF20"];

/** Strings built from the characters CSV and spreadsheets treat specially, mixed with any text. */
const trickyString = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        ...DANGEROUS,
        "\n",
        "\r\n",
        ",",
        '"',
        '""',
        "'",
        " ",
        ";",
        "é",
        "😀",
        "\u2028",
        "\uFEFF",
      ),
      fc.string({ unit: "grapheme", maxLength: 6 }),
      fc.string({ unit: "binary", maxLength: 4 }).map((s) => s.toWellFormed()),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(""));

const cell: fc.Arbitrary<CsvCell> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant("") },
  { weight: 6, arbitrary: trickyString },
);

const table = fc.integer({ min: 1, max: 6 }).chain((width) =>
  fc.record({
    header: fc.array(fc.stringMatching(/^[a-z_]{1,12}$/), { minLength: width, maxLength: width }),
    records: fc.array(fc.array(cell, { minLength: width, maxLength: width }), { maxLength: 8 }),
  }),
);

function parseCsv(text: string): CsvCell[][] {
  return parse(text, { cast: auditCsvCast, record_delimiter: "\r\n" }) as CsvCell[][];
}

/**
 * The file's structure, read independently of any CSV library: fields and record ends outside
 * quotes. Every record must end in CRLF, no bare CR or LF may stand outside quotes, and a field
 * holding a comma, quote, CR or LF must be quoted.
 */
function scan(text: string): { records: number; problems: string[] } {
  const problems: string[] = [];
  let records = 0;
  let i = 0;
  while (i < text.length) {
    // one field
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) {
          problems.push("unterminated quoted field");
          return { records, problems };
        }
        if (text[i] === '"') {
          if (text[i + 1] === '"') i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
    } else {
      while (i < text.length && text[i] !== "," && text[i] !== "\r" && text[i] !== "\n") {
        if (text[i] === '"') problems.push(`bare quote at ${i}`);
        i++;
      }
    }
    if (text[i] === ",") {
      i++;
      continue;
    }
    if (text.startsWith("\r\n", i)) {
      records++;
      i += 2;
      continue;
    }
    problems.push(`unexpected ${JSON.stringify(text[i] ?? "end of file")} at ${i}`);
    return { records, problems };
  }
  return { records, problems };
}

describe("CSV encoding (RFC 4180 + formula neutralisation)", () => {
  it("round-trips every cell through csv-parse, modulo the one added quote, as well-formed RFC 4180", () => {
    fc.assert(
      fc.property(table, ({ header, records }) => {
        const text = encodeCsv(records, header);
        // UTF-8 and back without loss (what the route and the CLI send), no byte order mark.
        const bytes = new TextEncoder().encode(text);
        expect(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes)).toBe(text);
        expect(text.startsWith("\uFEFF")).toBe(false);

        // Structure, independently of any CSV library: CRLF after every record, the header included.
        expect(text.endsWith("\r\n")).toBe(true);
        const structure = scan(text);
        expect(structure.problems).toEqual([]);
        expect(structure.records).toBe(records.length + 1);

        // Content, through csv-parse: each cell is the original, or `'` + the original when it
        // starts with a character a spreadsheet would run (or with `'`); NULL stays NULL.
        const parsed = parseCsv(text);
        expect(parsed[0]).toEqual(header);
        const expected = records.map((record) =>
          record.map((cell) =>
            cell !== null && [...DANGEROUS, "'"].some((d) => cell.startsWith(d)) ? `'${cell}` : cell,
          ),
        );
        expect(parsed.slice(1)).toEqual(expected);
        const cells = parsed.slice(1).flat();
        expect(cells.filter((c) => c !== null && startsDangerously(c))).toEqual([]);
        expect(parsed.slice(1).map((r) => r.map((c) => (c === null ? null : restoreCell(c))))).toEqual(
          records,
        );
      }),
      { numRuns: 300 },
    );
  });

  it("writes NULL as an empty field and the empty string as a quoted one", () => {
    expect(encodeCsv([[null, "", "a"]], ["x", "y", "z"])).toBe('x,y,z\r\n,"",a\r\n');
  });

  it("neutralises exactly the dangerous leading characters", () => {
    expect(encodeCsv([["=SUM(A1:A9)", "+1", "-1", "@cmd", "\tx", "\rx", "'x", "a=b", "1"]])).toBe(
      `'=SUM(A1:A9),'+1,'-1,'@cmd,'\tx,"'\rx",''x,a=b,1\r\n`,
    );
    expect(encodeCsv([['=HYPERLINK("http://x","y")']])).toBe(`"'=HYPERLINK(""http://x"",""y"")"\r\n`);
    for (const d of [...DANGEROUS, "'"]) {
      expect(neutraliseCell(`${d}z`)).toBe(`'${d}z`);
      expect(restoreCell(neutraliseCell(`${d}z`))).toBe(`${d}z`);
    }
    expect(neutraliseCell("")).toBe("");
    expect(neutraliseCell(" =x")).toBe(" =x");
  });

  it("quotes fields holding a bare CR or LF (csv-stringify does not once a record delimiter is set)", () => {
    expect(encodeCsv([["a\nb", "c\rd"]])).toBe('"a\nb","c\rd"\r\n');
  });
});

// ---------------------------------------------------------------------------------------
// Audit rows and verification

const jsonDoc = fc
  .option(fc.jsonValue({ maxDepth: 3 }), { nil: null })
  .map((v) => (v === null ? null : toJson(JSON.parse(JSON.stringify(v)))));

const optionalText = fc.option(trickyString, { nil: null });

/** A chain of audit rows as appendAudit would store them, with tricky content in every free-text column. */
function chainRows(chainKey: string, contents: Array<Partial<HashableEntry>>): AuditRow[] {
  const rows: AuditRow[] = [];
  let prevHash: string | null = null;
  contents.forEach((content, i) => {
    const entry: HashableEntry = {
      id: randomUUID(),
      occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000),
      actorType: "staff",
      actorId: randomUUID(),
      actorEmail: "admin@paydesk.test",
      actorRole: "admin",
      via: "web",
      action: "payment.update",
      entityType: "payment",
      entityId: chainKey.split(":")[1] ?? "x",
      before: null,
      after: null,
      reason: null,
      requestId: null,
      ip: null,
      userAgent: null,
      chainKey,
      chainSeq: i + 1,
      prevHash,
      ...content,
    };
    const hash = hashEntry(entry);
    rows.push({ ...entry, hash } as AuditRow);
    prevHash = hash;
  });
  return rows;
}

const rowContent = fc.record({
  actorEmail: optionalText,
  action: trickyString.map((s) => s || "x"),
  before: jsonDoc,
  after: jsonDoc,
  reason: optionalText,
  requestId: optionalText,
  ip: optionalText,
  userAgent: optionalText,
});

describe("audit CSV export verification", () => {
  it("recomputes every row's hash and link from the file, whatever the content", () => {
    fc.assert(
      fc.property(fc.array(rowContent, { minLength: 1, maxLength: 6 }), (contents) => {
        const rows = chainRows(`payment:${randomUUID()}`, contents);
        const text = encodeAuditCsv(rows, { header: true });
        const result = verifyAuditExport(parseCsv(text));
        expect(result.problems).toEqual([]);
        expect(result).toMatchObject({ ok: true, rows: rows.length, hashesVerified: rows.length });
        expect(result.linksChecked).toBe(rows.length - 1);
      }),
      { numRuns: 200 },
    );
  });

  it("has the documented header and column order", () => {
    const [row] = chainRows("payment:p1", [{ reason: "=1+1", before: { a: 1 }, after: { a: -2 } }]);
    const parsed = parseCsv(encodeAuditCsv([row!], { header: true }));
    expect(parsed[0]).toEqual([...AUDIT_CSV_COLUMNS]);
    const cells = Object.fromEntries(AUDIT_CSV_COLUMNS.map((c, i) => [c, parsed[1]![i]]));
    expect(cells).toMatchObject({
      id: row!.id,
      occurred_at: "2026-01-01T00:00:00.000Z",
      reason: "'=1+1",
      before: '{"a":1}',
      after: '{"a":-2}',
      chain_seq: "1",
      prev_hash: null,
      hash: row!.hash,
    });
  });

  it("finds altered content, a broken link, a duplicate and a wrong header", () => {
    const rows = chainRows("payment:p1", [{ reason: "one" }, { reason: "two" }, { reason: "three" }]);
    const good = parseCsv(encodeAuditCsv(rows, { header: true }));
    expect(verifyAuditExport(good)).toMatchObject({ ok: true, rows: 3, linksChecked: 2 });

    const reasonAt = AUDIT_CSV_COLUMNS.indexOf("reason");
    const altered = good.map((r) => [...r]);
    altered[2]![reasonAt] = "TWO";
    const alteredResult = verifyAuditExport(altered);
    expect(alteredResult.ok).toBe(false);
    expect(alteredResult.problems).toEqual([
      { record: 3, id: rows[1]!.id, problem: "its content does not match its hash (altered)" },
    ]);

    // A neutralisation quote removed by an editor also changes the content.
    const unquoted = chainRows("payment:p2", [{ reason: "=cmd" }]);
    const unquotedRows = parseCsv(encodeAuditCsv(unquoted, { header: true }));
    expect(unquotedRows[1]![reasonAt]).toBe("'=cmd");
    unquotedRows[1]![reasonAt] = "=cmd2";
    expect(verifyAuditExport(unquotedRows).ok).toBe(false);

    // Re-hashing an entry after changing it breaks its successor's link.
    const { hash: _old, ...content } = rows[1]!;
    const forgedRow = { ...content, reason: "TWO", hash: hashEntry({ ...content, reason: "TWO" }) };
    const forged = good.map((r) => [...r]);
    forged[2] = parseCsv(encodeAuditCsv([forgedRow], { header: false }))[0]!;
    const forgedResult = verifyAuditExport(forged);
    expect(forgedResult.problems.map((p) => p.record)).toEqual([4]);
    expect(forgedResult.problems[0]!.problem).toMatch(/prev_hash does not match/);

    const duplicated = [...good, good[1]!];
    expect(verifyAuditExport(duplicated).problems[0]!.problem).toMatch(/also appears in record 2/);

    expect(verifyAuditExport([["id"], ...good.slice(1)]).problems[0]!.problem).toMatch(/header/);
  });

  it("reads an empty string and NULL apart (their hashes differ)", () => {
    const rows = chainRows("staff:s1", [{ userAgent: "" }, { userAgent: null }]);
    const parsed = parseCsv(encodeAuditCsv(rows, { header: true }));
    const at = AUDIT_CSV_COLUMNS.indexOf("user_agent");
    expect(parsed[1]![at]).toBe("");
    expect(parsed[2]![at]).toBeNull();
    expect(verifyAuditExport(parsed).ok).toBe(true);
    // Reading without the cast (every empty field as "") loses the difference.
    const plain = parse(encodeAuditCsv(rows, { header: true }), { record_delimiter: "\r\n" }) as string[][];
    expect(verifyAuditExport(plain).ok).toBe(false);
  });
});
