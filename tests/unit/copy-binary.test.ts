import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CopyBinaryTextReader } from "@/db/copy-binary";

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");

/** What PostgreSQL sends for `COPY (SELECT text) TO STDOUT (FORMAT binary)`. */
function copyBinary(records: string[], extension = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(8);
  header.writeInt32BE(0, 0);
  header.writeInt32BE(extension.length, 4);
  const rows = records.map((r) => {
    const bytes = Buffer.from(r, "utf8");
    const prefix = Buffer.alloc(6);
    prefix.writeInt16BE(1, 0);
    prefix.writeInt32BE(bytes.length, 2);
    return Buffer.concat([prefix, bytes]);
  });
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1, 0);
  return Buffer.concat([SIGNATURE, header, extension, ...rows, trailer]);
}

function readAll(chunks: Buffer[]): { out: Buffer; rows: number } {
  const reader = new CopyBinaryTextReader();
  const out = Buffer.concat(chunks.map((c) => reader.feed(c)));
  reader.end();
  return { out, rows: reader.rows };
}

describe("COPY binary reader", () => {
  it("hands back the records' bytes, whatever the chunk boundaries", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "grapheme", maxLength: 40 }), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.uint8Array({ maxLength: 6 }),
        (records, cuts, extension) => {
          const wire = copyBinary(records, Buffer.from(extension));
          const at = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let from = 0;
          for (const cut of [...at, wire.length]) {
            chunks.push(wire.subarray(from, cut));
            from = cut;
          }
          const { out, rows } = readAll(chunks);
          expect(out.toString("utf8")).toBe(records.join(""));
          expect(rows).toBe(records.length);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("byte by byte", () => {
    const records = ["a,b\r\n", "", '"x"\r\n', "привет\r\n"];
    const wire = copyBinary(records);
    const { out } = readAll([...wire].map((b) => Buffer.from([b])));
    expect(out.toString("utf8")).toBe(records.join(""));
  });

  it("refuses a stream cut short, a bad signature, NULLs and more than one column", () => {
    const wire = copyBinary(["one\r\n", "two\r\n"]);
    const cut = new CopyBinaryTextReader();
    cut.feed(wire.subarray(0, wire.length - 2));
    expect(() => cut.end()).toThrow(/ended mid-way/);

    const bad = Buffer.from(wire);
    bad[0] = 0x51;
    expect(() => new CopyBinaryTextReader().feed(bad)).toThrow(/signature/);

    const nullRow = Buffer.concat([wire.subarray(0, 19), Buffer.from([0, 1, 0xff, 0xff, 0xff, 0xff])]);
    expect(() => new CopyBinaryTextReader().feed(nullRow)).toThrow(/NULL/);

    const twoColumns = Buffer.concat([wire.subarray(0, 19), Buffer.from([0, 2])]);
    expect(() => new CopyBinaryTextReader().feed(twoColumns)).toThrow(/one column/);

    const after = new CopyBinaryTextReader();
    after.feed(wire);
    expect(() => after.feed(Buffer.from([0]))).toThrow(/after the trailer/);
  });
});
