/**
 * Counts CSV records in a byte stream as it arrives, for progress while a download runs.
 * RFC 4180: a line break inside a quoted field does not end a record, and a doubled quote
 * flips the quote state twice, so tracking `"` is enough. Works on raw UTF-8 bytes (`"` and LF
 * never occur inside a multi-byte sequence), so chunks may split anywhere. Browser-safe.
 */
export interface CsvRecordCounter {
  push(chunk: Uint8Array): void;
  /** Complete records so far, the header included. */
  readonly records: number;
}

const QUOTE = 0x22;
const LF = 0x0a;

export function createCsvRecordCounter(): CsvRecordCounter {
  let quoted = false;
  let records = 0;
  return {
    push(chunk) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === QUOTE) quoted = !quoted;
        else if (byte === LF && !quoted) records++;
      }
    },
    get records() {
      return records;
    },
  };
}
