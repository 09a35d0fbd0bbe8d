const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/**
 * How long ago `then` was, seen from `now`, in the reader's locale ("2 hours ago", "yesterday").
 * `now` is the page's clock, passed from the server, so server and browser write the same words.
 */
export function relativeTime(then: Date | string, now: Date | string, locale: string): string {
  const diff = new Date(then).getTime() - new Date(now).getTime();
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return format.format(Math.trunc(diff / ms), unit);
  }
  return format.format(0, "minute");
}
