"use client";

import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";

/** Shown once: Paydesk keeps only the hash, so closing the dialog loses it for good. */
export function OneTimePassword({ email, password }: { email: string; password: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="space-y-2">
      <p className="text-sm">
        One-time password for <strong className="font-medium">{email}</strong>. Give it to them now: it will
        not be shown again.
      </p>
      <div className="flex items-center gap-2">
        <code
          data-testid="one-time-password"
          className="flex-1 rounded-md border bg-muted/50 px-3 py-2 font-mono text-sm select-all"
        >
          {password}
        </code>
        <Button
          type="button"
          variant="outline"
          size="icon"
          aria-label="Copy password"
          onClick={async () => {
            await navigator.clipboard?.writeText(password).catch(() => {});
            setCopied(true);
          }}
        >
          {copied ? <Check className="size-4" aria-hidden /> : <Copy className="size-4" aria-hidden />}
        </Button>
      </div>
    </div>
  );
}
