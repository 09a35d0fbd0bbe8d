"use client";

import { TriangleAlert } from "lucide-react";
import { CopyableSecret } from "@/components/ui/copyable-secret";

/** A new key, shown this once: Paydesk keeps only its hash, so closing the dialog loses it. */
export function ShownOnceKey({ secret }: { secret: string }) {
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
      <CopyableSecret secret={secret} noun="key" testId="api-key-secret" copyTestId="copy-api-key" />
    </div>
  );
}
