"use client";

import { DownloadIcon, XIcon } from "lucide-react";
import { useEffect, useMemo, useRef, useState } from "react";
import { toast } from "sonner";
import { useFormat } from "@/components/format/format-provider";
import { Button } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { createCsvRecordCounter } from "@/lib/audit/csv-progress";

interface Progress {
  rows: number;
  bytes: number;
}

/** Screen readers hear the progress at most this often; the numbers on screen move with every chunk. */
const ANNOUNCE_EVERY_MS = 2000;

function fileNameFrom(disposition: string | null): string {
  const match = disposition ? /filename="([^"]+)"/.exec(disposition) : null;
  return match?.[1] ?? "paydesk-audit.csv";
}

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

function saveFile(parts: BlobPart[], name: string): void {
  const url = URL.createObjectURL(new Blob(parts, { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken the file once click() returns; the URL can go after this task.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/**
 * Downloads `/audit/export?<query>` (the audit page's filters) while showing how many rows and
 * bytes have arrived, with a Cancel button, then saves the file. Reading the body here instead
 * of navigating to the URL is what makes progress and cancelling possible.
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
    const controller = new AbortController();
    abortRef.current = controller;
    setProgress({ rows: 0, bytes: 0 });
    setAnnouncement("Export started.");
    let current: Progress = { rows: 0, bytes: 0 };
    try {
      const search = query.replace(/^\?/, "");
      const response = await fetch(`/audit/export${search ? `?${search}` : ""}`, {
        signal: controller.signal,
        cache: "no-store",
        headers: { accept: "text/csv" },
      });
      if (!response.ok || !response.body) {
        toast.error("Export failed", { description: await problemDetail(response) });
        return;
      }
      const name = fileNameFrom(response.headers.get("content-disposition"));
      const counter = createCsvRecordCounter();
      const parts: BlobPart[] = [];
      const reader = response.body.getReader();
      let announced = performance.now();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        counter.push(value);
        current = { rows: Math.max(counter.records - 1, 0), bytes: current.bytes + value.length };
        setProgress(current);
        if (performance.now() - announced >= ANNOUNCE_EVERY_MS) {
          announced = performance.now();
          setAnnouncement(`Exporting: ${summary(current)} received.`);
        }
      }
      saveFile(parts, name);
      setAnnouncement(`Export finished: ${numbers.rows(current.rows)}.`);
      toast.success(`Exported ${numbers.rows(current.rows)}`, { description: name });
    } catch (err) {
      if (controller.signal.aborted) {
        setAnnouncement("Export cancelled.");
        toast.info("Export cancelled", { description: "Nothing was saved." });
      } else {
        setAnnouncement("Export failed.");
        toast.error("Export interrupted", {
          description:
            current.bytes > 0
              ? `The download stopped after ${numbers.rows(current.rows)}; nothing was saved. Try again.`
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
