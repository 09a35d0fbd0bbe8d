"use client";

import { DownloadIcon, XIcon } from "lucide-react";
import { useEffect, useMemo, useRef, useState } from "react";
import { useFormat } from "@/components/format/format-provider";
import { Button } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { toast } from "@/components/ui/toast";
import { createCsvRecordCounter } from "@/lib/audit/csv-progress";
import { auditExportFileName } from "@/lib/audit/export-file-name";

interface Progress {
  rows: number;
  bytes: number;
}

/** Screen readers hear the progress at most this often; the numbers on screen move with every chunk. */
const ANNOUNCE_EVERY_MS = 2000;

async function problemDetail(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { detail?: unknown; title?: unknown };
    if (typeof body.detail === "string") return body.detail;
    if (typeof body.title === "string") return body.title;
  } catch {
    // not problem+json (a proxy's error page): fall through
  }
  return `The server answered ${response.status}.`;
}

/** The File System Access API's save picker (Chromium-based browsers, secure contexts). */
interface SaveFilePicker {
  showSaveFilePicker(options: {
    suggestedName: string;
    types: { description: string; accept: Record<string, string[]> }[];
  }): Promise<{ createWritable(): Promise<WritableStream<Uint8Array>> }>;
}

function savePicker(): SaveFilePicker["showSaveFilePicker"] | null {
  const candidate = (window as unknown as Partial<SaveFilePicker>).showSaveFilePicker;
  return typeof candidate === "function" ? candidate.bind(window) : null;
}

/** Without a save picker the browser's own download manager streams the file to disk. */
function downloadNatively(url: string): void {
  const link = document.createElement("a");
  link.href = url;
  link.download = "";
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}

/**
 * Downloads `/audit/export?<query>` (the audit page's filters) straight to a file the user picks,
 * chunk by chunk as it arrives (never the whole file in memory), while showing how many rows and
 * bytes have been written, with a Cancel button that stops the server's export and discards the
 * partial file. Browsers without a save picker get the file from their own download manager,
 * which also streams to disk (its progress and cancel are the browser's).
 */
export function AuditExportButton({ query }: { query: string }) {
  const { prefs } = useFormat();
  const [progress, setProgress] = useState<Progress | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const abortRef = useRef<AbortController | null>(null);
  const exportRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const containerRef = useRef<HTMLDivElement>(null);
  const running = progress !== null;

  const numbers = useMemo(() => {
    const count = new Intl.NumberFormat(prefs.locale);
    const megabytes = new Intl.NumberFormat(prefs.locale, {
      style: "unit",
      unit: "megabyte",
      maximumFractionDigits: 1,
    });
    const kilobytes = new Intl.NumberFormat(prefs.locale, {
      style: "unit",
      unit: "kilobyte",
      maximumFractionDigits: 0,
    });
    return {
      rows: (n: number) => `${count.format(n)} ${n === 1 ? "row" : "rows"}`,
      bytes: (n: number) => (n >= 1_000_000 ? megabytes.format(n / 1_000_000) : kilobytes.format(n / 1_000)),
    };
  }, [prefs.locale]);

  const summary = (p: Progress) => `${numbers.rows(p.rows)} · ${numbers.bytes(p.bytes)}`;

  // Keyboard users land on Cancel while the export runs, and back on Export afterwards (unless
  // they have moved on: focus is only taken back from the Cancel button that went away).
  const wasRunning = useRef(false);
  useEffect(() => {
    if (running) cancelRef.current?.focus();
    else if (wasRunning.current) {
      const active = document.activeElement;
      if (!active || active === document.body || containerRef.current?.contains(active)) {
        exportRef.current?.focus();
      }
    }
    wasRunning.current = running;
  }, [running]);

  useEffect(() => () => abortRef.current?.abort(), []);

  async function run() {
    const search = query.replace(/^\?/, "");
    const url = `/audit/export${search ? `?${search}` : ""}`;
    const pick = savePicker();
    if (!pick) {
      downloadNatively(url);
      setAnnouncement("Export started: your browser is downloading the file.");
      toast.info("Export started", { description: "Your browser shows the download's progress." });
      return;
    }
    let file: WritableStream<Uint8Array>;
    let name: string;
    try {
      name = auditExportFileName(new Date());
      const handle = await pick({
        suggestedName: name,
        types: [{ description: "CSV file", accept: { "text/csv": [".csv"] } }],
      });
      file = await handle.createWritable();
    } catch (err) {
      // Closing the picker is a choice, not an error.
      if ((err as Error).name !== "AbortError") {
        toast.error("Export failed", {
          description: `The file could not be created (${(err as Error).message}).`,
        });
      }
      return;
    }

    const controller = new AbortController();
    abortRef.current = controller;
    setProgress({ rows: 0, bytes: 0 });
    setAnnouncement("Export started.");
    let current: Progress = { rows: 0, bytes: 0 };
    try {
      const response = await fetch(url, {
        signal: controller.signal,
        cache: "no-store",
        headers: { accept: "text/csv" },
      });
      if (!response.ok || !response.body) {
        await file.abort().catch(() => {});
        toast.error("Export failed", { description: await problemDetail(response) });
        return;
      }
      const counter = createCsvRecordCounter();
      let announced = performance.now();
      const progress = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          counter.push(chunk);
          current = { rows: Math.max(counter.records - 1, 0), bytes: current.bytes + chunk.length };
          setProgress(current);
          if (performance.now() - announced >= ANNOUNCE_EVERY_MS) {
            announced = performance.now();
            setAnnouncement(`Exporting: ${summary(current)} written.`);
          }
          out.enqueue(chunk);
        },
      });
      // The file is written as the chunks arrive; pipeTo closes (commits) it at the end and aborts
      // (discards) it when the download fails or is cancelled.
      await response.body.pipeThrough(progress).pipeTo(file, { signal: controller.signal });
      setAnnouncement(`Export finished: ${numbers.rows(current.rows)}.`);
      toast.success(`Exported ${numbers.rows(current.rows)}`, { description: name });
    } catch (err) {
      await file.abort().catch(() => {});
      if (controller.signal.aborted) {
        setAnnouncement("Export cancelled.");
        toast.info("Export cancelled", { description: "The partial file was discarded." });
      } else {
        setAnnouncement("Export failed.");
        toast.error("Export interrupted", {
          description:
            current.bytes > 0
              ? `The download stopped after ${numbers.rows(current.rows)}; the partial file was discarded. Try again.`
              : `The export could not be downloaded (${(err as Error).message}). Try again.`,
        });
      }
    } finally {
      abortRef.current = null;
      setProgress(null);
    }
  }

  return (
    <div ref={containerRef} className="flex flex-wrap items-center gap-2" data-testid="audit-export">
      <Button
        ref={exportRef}
        variant="outline"
        onClick={run}
        disabled={running}
        aria-busy={running || undefined}
      >
        <DownloadIcon aria-hidden="true" />
        Export CSV
      </Button>
      {progress ? (
        <>
          <span className="flex items-center gap-2 text-muted-foreground text-sm tabular-nums">
            <Spinner aria-hidden="true" />
            <span data-testid="audit-export-progress">
              Exporting… {progress.bytes > 0 ? summary(progress) : "waiting for the server"}
            </span>
          </span>
          <Button ref={cancelRef} variant="ghost" size="sm" onClick={() => abortRef.current?.abort()}>
            <XIcon aria-hidden="true" />
            Cancel export
          </Button>
        </>
      ) : null}
      <p role="status" aria-live="polite" className="sr-only" data-testid="audit-export-status">
        {announcement}
      </p>
    </div>
  );
}
