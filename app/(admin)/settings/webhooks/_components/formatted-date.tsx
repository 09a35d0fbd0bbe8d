"use client";

import { useFormat } from "@/components/format/format-provider";

/** A date in the viewer's time zone and locale (the server renders with the same preferences). */
export function FormattedDate({ value }: { value: Date | string | null | undefined }) {
  const fmt = useFormat();
  if (!value) return <>—</>;
  return <time dateTime={fmt.iso(value)}>{fmt.dateTime(value)}</time>;
}
