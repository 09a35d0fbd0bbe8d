import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeCsv } from "@/lib/audit/csv";
import { CsvRecordEnds, INPUT_BYTES } from "@/lib/audit/csv-record-ends";

/** What COPY … (FORMAT csv) sends for these rows: the export's encoding with LF record ends. */
function copyCsv(rows: (string | null)[][]): { copy: Buffer; file: Buffer } {
  const file = encodeCsv(rows);
  // encodeCsv ends every record with CRLF and quotes any field holding CR or LF, so a CRLF
  // outside quotes is exactly a record end.
  return { copy: Buffer.from(toLfRecordEnds(file), "utf8"), file: Buffer.from(file, "utf8") };
}

function toLfRecordEnds(csv: string): string {
  let out = "";
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i]!;
    if (c === '"') quoted = !quoted;
    if (!quoted && c === "\r" && csv[i + 1] === "\n") continue;
    out += c;
  }
  return out;
}

/** Feeds `copy` cut at `cuts` and gathers what comes out. */
function mend(copy: Buffer, cuts: number[]): { bytes: Buffer; records: number; counted: number } {
  const at = [...new Set(cuts.map((c) => c % (copy.length + 1)))].sort((x, y) => x - y);
  const ends = new CsvRecordEnds();
  const out: Buffer[] = [];
  let counted = 0;
  let from = 0;
  for (const cut of [...at, copy.length]) {
    for (const piece of ends.feed(copy.subarray(from, cut))) {
      out.push(piece.bytes);
      counted += piece.records;
    }
    from = cut;
  }
  const rest = ends.finish();
  out.push(rest.bytes);
  counted += rest.records;
  return { bytes: Buffer.concat(out), records: ends.records, counted };
}

describe("COPY's record ends to the file's", () => {
  const unit = fc.constantFrom("a", "é", "😀", '"', ",", "\r", "\n", "=", "'", " ");
  const field = (maxLength: number) =>
    fc.oneof(fc.constant(null), fc.constant(""), fc.string({ unit, maxLength }));

  it("gives the export's bytes and record count, whatever the chunk boundaries", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(field(12), { minLength: 3, maxLength: 3 }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (rows, cuts) => {
          const { copy, file } = copyCsv(rows);
          const out = mend(copy, cuts);
          expect(out.bytes.equals(file)).toBe(true);
          expect(out.records).toBe(rows.length);
          expect(out.counted).toBe(rows.length);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  // The module scans 16 bytes at a time: long fields put quotes and line feeds at every place
  // in a block, and blocks that start inside quotes.
  it("does so for long fields, scanned a block at a time", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(field(80), { minLength: 2, maxLength: 5 }), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (rows, cuts) => {
          const { copy, file } = copyCsv(rows);
          const out = mend(copy, cuts);
          expect(out.bytes.equals(file)).toBe(true);
          expect(out.counted).toBe(rows.length);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("mends output larger than the module takes at once, in one chunk or many", () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => [
      String(i),
      `{"note":"line one\nline two","n":${i}}`,
      i % 3 === 0 ? null : "=SUM(A1)",
    ]);
    const { copy, file } = copyCsv(rows);
    expect(copy.length).toBeGreaterThan(2 * INPUT_BYTES);
    for (const cuts of [[], [1, INPUT_BYTES - 1, INPUT_BYTES, INPUT_BYTES + 7, 2 * INPUT_BYTES + 3]]) {
      const out = mend(copy, cuts);
      expect(out.bytes.equals(file)).toBe(true);
      expect(out.counted).toBe(rows.length);
    }
  });

  it("refuses output cut inside a quoted field or mid-record", () => {
    const open = new CsvRecordEnds();
    open.feed(Buffer.from('a,"b\n'));
    expect(() => open.finish()).toThrow(/middle of a record/);
    const cut = new CsvRecordEnds();
    cut.feed(Buffer.from("a,b\nc,"));
    expect(() => cut.finish()).toThrow(/middle of a record/);
  });
});
