import { toJson } from "../audit/json";

/** Prints a human-readable text, or with --json one JSON object on the last line. */
export function emit(json: boolean, data: unknown, human: () => string): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(toJson(data))}\n`);
  } else {
    process.stdout.write(`${human()}\n`);
  }
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function iso(d: Date | null | undefined): string {
  return d ? d.toISOString() : "—";
}
