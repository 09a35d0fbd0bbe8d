"use client";

import { Check, Copy, TriangleAlert } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";

/** A new key, shown this once: Paydesk keeps only its hash, so closing the dialog loses it. */
export function ShownOnceKey({ secret }: { secret: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="space-y-3">
      <p
        role="alert"
        className="flex items-start gap-2 rounded-md border border-warning-soft-foreground/20 bg-warning-soft px-3 py-2 text-sm text-warning-soft-foreground"
      >
        <TriangleAlert className="mt-0.5 size-4 shrink-0" aria-hidden />
        Copy the key now and keep it somewhere safe. It will not be shown again; if it is lost, revoke it and
        create another.
      </p>
      <div className="flex items-center gap-2">
        <code
          data-testid="api-key-secret"
          className="flex-1 break-all rounded-md border bg-muted/50 px-3 py-2 font-mono text-sm select-all"
        >
          {secret}
        </code>
        <Button
          type="button"
          variant="outline"
          size="icon"
          aria-label="Copy key"
          data-testid="copy-api-key"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(secret);
              setCopied(true);
              toast.success("Key copied");
            } catch {
              toast.error("The browser did not allow copying; select the key instead.");
            }
          }}
        >
          {copied ? <Check className="size-4" aria-hidden /> : <Copy className="size-4" aria-hidden />}
        </Button>
      </div>
    </div>
  );
}
