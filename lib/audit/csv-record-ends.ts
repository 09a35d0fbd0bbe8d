import { CSV_RECORD_ENDS_WASM } from "./csv-record-ends-wasm";

/**
 * Turns the record ends of PostgreSQL's COPY CSV output (LF) into the export's (CRLF), leaving
 * line feeds inside quoted fields as they are. Chunks may split anywhere: whether the scan is
 * inside quotes carries over. A doubled quote inside a quoted field flips the state twice, so
 * counting quotes is enough (RFC 4180). `"` and LF never occur inside a UTF-8 multi-byte
 * sequence, so the bytes are scanned as they come.
 *
 * The scan is every byte of the export (about 1 kB a record), which JavaScript did at 150–450 MB/s
 * and made it the slowest step of a 1,000,000-row download; csv-record-ends.wat does it 16 bytes
 * at a time with WebAssembly SIMD (1–1.5 GB/s). The driver's chunks are a few kB, and each call
 * has a fixed cost, so they gather in the module's memory and are mended INPUT_BYTES at a time.
 */
const LF = 0x0a;

/** Input bytes the module takes per call (its memory holds them and twice as many out). */
export const INPUT_BYTES = 256 * 1024;

interface Exports {
  memory: WebAssembly.Memory;
  mend(length: number, quoted: number): number;
  quoted(): number;
  records(): number;
  inputBytes(): number;
}

let compiled: WebAssembly.Module | undefined;

/** A piece of the file and the records it completes. */
export interface MendedPiece {
  bytes: Buffer;
  records: number;
}

export class CsvRecordEnds {
  /** Records completed so far (in the bytes handed out). */
  records = 0;
  private readonly wasm: Exports;
  private readonly memory: Uint8Array;
  private waiting = 0;
  private quoted = 0;
  private lastByte: number | undefined;

  constructor() {
    compiled ??= new WebAssembly.Module(Buffer.from(CSV_RECORD_ENDS_WASM, "base64"));
    // An instance (768 KiB) per export: concurrent exports never share the memory between awaits.
    this.wasm = new WebAssembly.Instance(compiled, {}).exports as unknown as Exports;
    // The layout is written twice, here and in the .wat: a module built with another one must not run.
    if (this.wasm.inputBytes() !== INPUT_BYTES)
      throw new Error("csv-record-ends.wat has another memory layout");
    // The memory never grows, so the view stays valid.
    this.memory = new Uint8Array(this.wasm.memory.buffer);
  }

  /** Takes the next bytes of COPY's output; returns the pieces of the file they completed, in order. */
  feed(chunk: Uint8Array): MendedPiece[] {
    const done: MendedPiece[] = [];
    for (let from = 0; from < chunk.length; ) {
      const take = Math.min(INPUT_BYTES - this.waiting, chunk.length - from);
      this.memory.set(chunk.subarray(from, from + take), this.waiting);
      this.waiting += take;
      from += take;
      if (this.waiting === INPUT_BYTES) done.push(this.mend());
    }
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1];
    return done;
  }

  /** The rest of the file. Throws if the data ended inside a quoted field or mid-record (a cut stream must not look whole). */
  finish(): MendedPiece {
    const rest = this.mend();
    if (this.quoted || (this.lastByte !== undefined && this.lastByte !== LF)) {
      throw new Error("COPY output ended in the middle of a record");
    }
    return rest;
  }

  private mend(): MendedPiece {
    const length = this.wasm.mend(this.waiting, this.quoted);
    const records = this.wasm.records();
    this.quoted = this.wasm.quoted();
    this.records += records;
    this.waiting = 0;
    const bytes = Buffer.allocUnsafe(length);
    bytes.set(this.memory.subarray(INPUT_BYTES, INPUT_BYTES + length));
    return { bytes, records };
  }
}
