import type * as React from "react";

import { cn } from "@/lib/utils";

/** A placeholder block. Mark the loading region with `aria-busy="true"` (and a visually hidden "Loading…"). */
function Skeleton({ className, ...props }: React.ComponentProps<"div">) {
  return (
    <div
      data-slot="skeleton"
      aria-hidden="true"
      className={cn("animate-pulse rounded-md bg-muted dark:bg-accent", className)}
      {...props}
    />
  );
}

export { Skeleton };
