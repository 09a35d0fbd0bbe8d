"use client";

import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { toast } from "@/components/ui/toast";

/**
 * A secret shown once (an API key, a webhook signing secret): selectable in full, with a copy
 * button that says whether the browser allowed copying. `noun` names it in the button and toasts.
 */
export function CopyableSecret({
  secret,
  noun,
  testId,
  copyTestId,
}: {
  secret: string;
  noun: string;
  testId: string;
  copyTestId: string;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="flex items-center gap-2">
      <code
        data-testid={testId}
        className="flex-1 break-all rounded-md border bg-muted/50 px-3 py-2 font-mono text-sm select-all"
      >
        {secret}
      </code>
      <Button
        type="button"
        variant="outline"
        size="icon"
        aria-label={`Copy ${noun}`}
        data-testid={copyTestId}
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(secret);
            setCopied(true);
            toast.success(`${noun[0]?.toUpperCase()}${noun.slice(1)} copied`);
          } catch {
            toast.error(`The browser did not allow copying: select the ${noun} and copy it by hand`);
          }
        }}
      >
        {copied ? <Check className="size-4" aria-hidden /> : <Copy className="size-4" aria-hidden />}
      </Button>
    </div>
  );
}
