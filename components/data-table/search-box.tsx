"use client";

import { Search } from "lucide-react";
import { useEffect, useId, useRef, useState } from "react";
import { Input } from "@/components/ui/input";
import { cn } from "@/lib/utils";

/**
 * Debounced: the URL (and so the server query) changes once typing pauses, or at once on Enter.
 * Fewer characters than `minLength` are not searched; the hint says so without a round trip.
 */
export function SearchBox({
  value,
  onChange,
  label,
  placeholder,
  minLength,
  hint,
  className,
}: {
  value: string;
  onChange: (q: string) => void;
  label: string;
  placeholder: string;
  minLength: number;
  /** Shown beside the box: what the search looks at. */
  hint?: string;
  className?: string;
}) {
  const [text, setText] = useState(value);
  const last = useRef(value);
  const hintId = useId();
  // Only a change from elsewhere (back button, "Clear search") replaces what is typed: the
  // URL catching up with this box must not undo keystrokes made while the page loaded.
  useEffect(() => {
    if (value === last.current) return;
    setText(value);
    last.current = value;
  }, [value]);
  useEffect(() => {
    const trimmed = text.trim();
    if (trimmed === last.current || isTooShort(trimmed, minLength)) return;
    const timer = setTimeout(() => {
      last.current = trimmed;
      onChange(trimmed);
    }, 300);
    return () => clearTimeout(timer);
  }, [text, minLength, onChange]);
  const short = isTooShort(text.trim(), minLength);
  return (
    <search aria-label={label} className="flex flex-wrap items-center gap-x-3 gap-y-1">
      <div className={cn("relative w-72", className)}>
        <Search
          className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground"
          aria-hidden
        />
        <Input
          type="search"
          aria-label={label}
          aria-describedby={hint ? hintId : undefined}
          placeholder={placeholder}
          className="h-8 pl-8"
          value={text}
          autoComplete="off"
          spellCheck={false}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key !== "Enter") return;
            const trimmed = text.trim();
            if (!isTooShort(trimmed, minLength) && trimmed !== last.current) {
              last.current = trimmed;
              onChange(trimmed);
            }
          }}
        />
      </div>
      {hint || short ? (
        <p id={hintId} className="text-xs text-muted-foreground" aria-live="polite">
          {short ? `Type at least ${minLength} characters to search.` : hint}
        </p>
      ) : null}
    </search>
  );
}

function isTooShort(q: string, minLength: number): boolean {
  return q.length > 0 && q.length < minLength;
}
