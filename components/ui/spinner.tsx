import { Loader2Icon } from "lucide-react";
import type * as React from "react";

import { cn } from "@/lib/utils";

/**
 * A spinning loader announced as a status. Pass `label` for a specific message; inside a busy
 * button (which already has text) pass `aria-hidden` so the label is not read twice.
 */
function Spinner({
  className,
  label = "Loading",
  ...props
}: React.ComponentProps<"svg"> & { label?: string }) {
  const hidden = props["aria-hidden"] === true || props["aria-hidden"] === "true";
  return (
    <Loader2Icon
      data-slot="spinner"
      role={hidden ? undefined : "status"}
      aria-label={hidden ? undefined : label}
      className={cn("size-4 animate-spin", className)}
      {...props}
    />
  );
}

export { Spinner };
