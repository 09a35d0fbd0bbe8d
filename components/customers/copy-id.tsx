"use client";

import { Check, Copy } from "lucide-react";
import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { toast } from "@/components/ui/toast";
import { cn } from "@/lib/utils";

/** An id in monospace with a button that copies the whole of it. */
export function CopyId({
  id,
  label = "Copy id",
  short = false,
  testId,
  className,
}: {
  id: string;
  /** The button's accessible name, e.g. "Copy customer id". */
  label?: string;
  /** Show the first 8 characters only (the whole id is still copied, and in the title). */
  short?: boolean;
  testId?: string;
  className?: string;
}) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <span className={cn("inline-flex items-center gap-1", className)}>
      <code className="font-mono text-xs" title={id} data-testid={testId}>
        {short ? id.slice(0, 8) : id}
      </code>
      <Button
        type="button"
        variant="ghost"
        size="icon"
        className="size-6 text-muted-foreground"
        aria-label={label}
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(id);
            setCopied(true);
          } catch {
            toast.error("The browser did not allow copying; select the id instead.");
          }
        }}
      >
        {copied ? <Check className="size-3.5" aria-hidden /> : <Copy className="size-3.5" aria-hidden />}
      </Button>
      <span className="sr-only" aria-live="polite">
        {copied ? "Copied" : ""}
      </span>
    </span>
  );
}
