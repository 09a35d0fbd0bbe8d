"use client";

import { TriangleAlert } from "lucide-react";
import { Button } from "@/components/ui/button";

/** A failed page render: say so plainly, keep the shell, offer a retry. */
export default function AdminError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div className="flex min-h-[50vh] flex-col items-center justify-center gap-3 text-center" role="alert">
      <TriangleAlert className="size-8 text-destructive" aria-hidden />
      <h1 className="text-lg font-semibold">This page could not be loaded</h1>
      <p className="max-w-md text-sm text-muted-foreground">
        Nothing was changed. Try again; if it keeps failing, give this reference to an administrator:{" "}
        <code className="font-mono">{error.digest ?? "unknown"}</code>
      </p>
      <Button onClick={reset}>Try again</Button>
    </div>
  );
}
