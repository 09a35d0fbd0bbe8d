import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeCsv } from "@/lib/audit/csv";
import { CsvRecordEnds } from "@/lib/audit/csv-record-ends";

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

describe("COPY's record ends to the file's", () => {
  const field = fc.oneof(
    fc.constant(null),
    fc.constant(""),
    fc.string({ unit: fc.constantFrom("a", "é", "😀", '"', ",", "\r", "\n", "=", "'", " "), maxLength: 12 }),
  );

  it("gives the export's bytes and record count, whatever the chunk boundaries", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 3, maxLength: 3 }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (rows, cuts) => {
          const { copy, file } = copyCsv(rows);
          const at = [...new Set(cuts.map((c) => c % (copy.length + 1)))].sort((x, y) => x - y);
          const ends = new CsvRecordEnds();
          const out: Buffer[] = [];
          let from = 0;
          for (const cut of [...at, copy.length]) {
            out.push(ends.feed(copy.subarray(from, cut)));
            from = cut;
          }
          ends.end(copy.length ? copy[copy.length - 1] : undefined);
          expect(Buffer.concat(out).equals(file)).toBe(true);
          expect(ends.records).toBe(rows.length);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("refuses output cut inside a quoted field or mid-record", () => {
    const open = new CsvRecordEnds();
    open.feed(Buffer.from('a,"b\n'));
    expect(() => open.end(0x0a)).toThrow(/middle of a record/);
    const cut = new CsvRecordEnds();
    cut.feed(Buffer.from("a,b\nc,"));
    expect(() => cut.end(0x2c)).toThrow(/middle of a record/);
  });
});
