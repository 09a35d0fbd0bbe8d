/**
 * Reads the output of `COPY (SELECT <one text column>) TO STDOUT WITH (FORMAT binary)` and
 * hands back the column's bytes, row after row, with nothing in between.
 *
 * Why binary and not `FORMAT csv`: the query already encodes each row as a complete CSV record
 * (lib/audit/csv-sql.ts, CRLF included, as RFC 4180 and today's files have it). COPY's csv format
 * would quote that record again and end it with a bare LF; its text format escapes CR and LF.
 * In the binary format a text value is its raw UTF-8 bytes behind a length, so passing the
 * records through costs one length read per row and no scan of the bytes.
 *
 * Layout (PostgreSQL docs, "COPY — Binary Format"): an 11-byte signature, int32 flags, int32
 * header-extension length and the extension; then per row an int16 field count, and per field
 * an int32 length (-1 for NULL) and the bytes; then the trailer, a field count of -1.
 */
const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");

export class CopyBinaryTextReader {
  private pending: Buffer = Buffer.alloc(0);
  private headerRead = false;
  private trailerRead = false;
  /** Rows read so far. */
  rows = 0;

  /** The payload bytes of every row completed by `chunk` (possibly none). */
  feed(chunk: Uint8Array): Buffer {
    if (chunk.length === 0) return Buffer.alloc(0);
    if (this.trailerRead) throw new Error("COPY binary: data after the trailer");
    const buf = this.pending.length
      ? Buffer.concat([this.pending, chunk])
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let at = 0;
    if (!this.headerRead) {
      if (buf.length < SIGNATURE.length + 8) {
        this.pending = buf;
        return Buffer.alloc(0);
      }
      if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error("COPY binary: bad signature");
      const extension = buf.readInt32BE(SIGNATURE.length + 4);
      if (buf.length < SIGNATURE.length + 8 + extension) {
        this.pending = buf;
        return Buffer.alloc(0);
      }
      at = SIGNATURE.length + 8 + extension;
      this.headerRead = true;
    }
    const parts: Buffer[] = [];
    while (at + 2 <= buf.length) {
      const fields = buf.readInt16BE(at);
      if (fields === -1) {
        this.trailerRead = true;
        at += 2;
        break;
      }
      if (fields !== 1) throw new Error(`COPY binary: expected one column, got ${fields}`);
      if (at + 6 > buf.length) break;
      const length = buf.readInt32BE(at + 2);
      if (length < 0) throw new Error("COPY binary: a NULL where a record was expected");
      if (at + 6 + length > buf.length) break;
      parts.push(buf.subarray(at + 6, at + 6 + length));
      this.rows++;
      at += 6 + length;
    }
    // What is left is the start of a row whose end is in a later chunk: keep a copy, as the
    // chunk's memory belongs to the driver.
    this.pending = at < buf.length ? Buffer.from(buf.subarray(at)) : Buffer.alloc(0);
    return parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts);
  }

  /** Throws unless the stream ended exactly after the trailer (a cut stream must not look whole). */
  end(): void {
    if (!this.trailerRead || this.pending.length) throw new Error("COPY binary: the stream ended mid-way");
  }
}
