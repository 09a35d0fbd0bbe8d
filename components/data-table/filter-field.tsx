import type { ReactNode } from "react";

/** A toolbar field: a small label above, and an error under it that takes no room (the toolbar does not jump). */
export function FilterField({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  children: ReactNode;
}) {
  return (
    <div className="relative flex flex-col gap-1">
      <label htmlFor={id} className="text-xs text-muted-foreground">
        {label}
      </label>
      {children}
      {error ? (
        <p
          id={`${id}-error`}
          role="alert"
          className="absolute top-full left-0 z-10 mt-1 w-max max-w-72 rounded-md border bg-popover px-2 py-1 text-xs text-destructive shadow-sm"
        >
          {error}
        </p>
      ) : null}
    </div>
  );
}
