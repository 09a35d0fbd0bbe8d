"use client";

import { CalendarClock, CircleSlash, Info, TriangleAlert } from "lucide-react";
import { useFormat } from "@/components/format/format-provider";
import type { EffectPreview } from "@/lib/payments/preview";
import { cn } from "@/lib/utils";

/** "Premium for anna@example.com runs until 22 Dec 2026 (+30 days)", or why nothing changes. */
export function EffectPreviewNote({
  preview,
  loading,
  className,
}: {
  preview: EffectPreview | null;
  loading?: boolean;
  className?: string;
}) {
  const fmt = useFormat();
  const base = "flex items-start gap-2 rounded-md border px-3 py-2 text-sm";
  if (!preview) {
    return (
      <div
        className={cn(base, "text-muted-foreground", className)}
        data-testid="effect-preview"
        aria-live="polite"
      >
        <Info className="mt-0.5 size-4 shrink-0" aria-hidden />
        {loading ? "Working out the effect…" : "Choose a customer and a plan to see the effect."}
      </div>
    );
  }
  if (preview.kind === "refused") {
    return (
      <div
        className={cn(base, "border-destructive/40 bg-destructive/10 text-destructive", className)}
        data-testid="effect-preview"
        data-effect="refused"
        aria-live="polite"
      >
        <TriangleAlert className="mt-0.5 size-4 shrink-0" aria-hidden />
        {preview.message}
      </div>
    );
  }
  if (preview.kind === "none") {
    return (
      <div
        className={cn(base, "text-muted-foreground", className)}
        data-testid="effect-preview"
        data-effect="none"
        aria-live="polite"
      >
        <Info className="mt-0.5 size-4 shrink-0" aria-hidden />
        {preview.reason}
      </div>
    );
  }
  const extend = preview.kind === "extend";
  // A revocation moves the end by what the remaining grants say, which is not always the
  // revoked grant's own days (a later payment stacked on top keeps its days): show the move.
  const shift =
    extend || !preview.currentEnd
      ? preview.days
      : Math.max(Math.round((preview.currentEnd.getTime() - preview.newEnd.getTime()) / 86_400_000), 0);
  const expired = preview.newEnd.getTime() <= Date.now();
  return (
    <div
      className={cn(
        base,
        extend ? "border-success/40 bg-success/10" : "border-warning/40 bg-warning/10",
        className,
      )}
      data-testid="effect-preview"
      data-effect={preview.kind}
      aria-live="polite"
    >
      {extend ? (
        <CalendarClock className="mt-0.5 size-4 shrink-0" aria-hidden />
      ) : (
        <CircleSlash className="mt-0.5 size-4 shrink-0" aria-hidden />
      )}
      <p>
        <strong className="font-medium">{preview.planName}</strong> for {preview.customerEmail}{" "}
        {extend || !expired ? "runs until" : "ends"}{" "}
        <time dateTime={preview.newEnd.toISOString()} className="font-medium">
          {fmt.date(preview.newEnd)}
        </time>{" "}
        ({extend ? "+" : "−"}
        {shift} {shift === 1 ? "day" : "days"}){!extend && expired ? ": access ends now" : ""}
        {preview.currentEnd ? (
          <span className="text-muted-foreground"> · now until {fmt.date(preview.currentEnd)}</span>
        ) : null}
      </p>
    </div>
  );
}
