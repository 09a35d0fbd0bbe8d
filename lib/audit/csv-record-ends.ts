/**
 * Turns the record ends of PostgreSQL's COPY CSV output (LF) into the export's (CRLF), leaving
 * line feeds inside quoted fields as they are. Chunks may split anywhere: whether the scan is
 * inside quotes carries over. A doubled quote inside a quoted field flips the state twice, so
 * counting quotes is enough (RFC 4180). `"` and LF never occur inside a UTF-8 multi-byte
 * sequence, so the bytes are scanned as they come.
 */
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

export class CsvRecordEnds {
  private quoted = false;
  /** Records completed so far. */
  records = 0;

  feed(chunk: Uint8Array): Buffer {
    let quoted = this.quoted;
    let ends = 0;
    // Record ends are few (one per ~1 kB); note them in one pass, then copy around them.
    const at: number[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === QUOTE) quoted = !quoted;
      else if (byte === LF && !quoted) {
        at.push(i);
        ends++;
      }
    }
    this.quoted = quoted;
    this.records += ends;
    const out = Buffer.allocUnsafe(chunk.length + ends);
    let from = 0;
    let to = 0;
    for (const end of at) {
      out.set(chunk.subarray(from, end), to);
      to += end - from;
      out[to++] = CR;
      out[to++] = LF;
      from = end + 1;
    }
    out.set(chunk.subarray(from), to);
    return out;
  }

  /** Throws if the data ended inside a quoted field or mid-record (a cut stream must not look whole). */
  end(lastByte: number | undefined): void {
    if (this.quoted || (lastByte !== undefined && lastByte !== LF)) {
      throw new Error("COPY output ended in the middle of a record");
    }
  }
}
