import type * as React from "react";

import { cn } from "@/lib/utils";

/** Shared look of single-line controls (input, native select, select trigger). */
const controlClassName = cn(
  "flex h-9 w-full min-w-0 rounded-md border border-input bg-card px-3 py-1 text-foreground text-sm shadow-xs transition-[color,box-shadow]",
  "placeholder:text-muted-foreground selection:bg-primary selection:text-primary-foreground",
  "focus-visible:outline-hidden focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-2 focus-visible:ring-offset-background",
  "disabled:cursor-not-allowed disabled:opacity-50",
  "aria-invalid:border-destructive aria-invalid:focus-visible:ring-destructive",
);

function Input({ className, type, ...props }: React.ComponentProps<"input">) {
  return (
    <input
      type={type}
      data-slot="input"
      className={cn(
        controlClassName,
        "file:inline-flex file:h-7 file:border-0 file:bg-transparent file:font-medium file:text-foreground file:text-sm",
        className,
      )}
      {...props}
    />
  );
}

export { controlClassName, Input };
