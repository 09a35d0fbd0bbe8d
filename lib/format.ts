import { formatMoney } from "./money/money";

/** The reader's formatting preferences: locale from the browser, time zone from a cookie it sets. */
export interface FormatPrefs {
  locale: string;
  timeZone: string;
}

export const DEFAULT_PREFS: FormatPrefs = { locale: "en-US", timeZone: "UTC" };

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function isValidLocale(locale: string): boolean {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([locale]).length > 0;
  } catch {
    return false;
  }
}

/** The first supported language of an Accept-Language header. */
export function localeFromAcceptLanguage(header: string | null | undefined): string {
  for (const part of (header ?? "").split(",")) {
    const tag = part.split(";")[0]?.trim();
    if (tag && tag !== "*" && isValidLocale(tag)) return tag;
  }
  return DEFAULT_PREFS.locale;
}

export function makeFormatters(prefs: FormatPrefs) {
  const dateTime = new Intl.DateTimeFormat(prefs.locale, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: prefs.timeZone,
  });
  const date = new Intl.DateTimeFormat(prefs.locale, { dateStyle: "medium", timeZone: prefs.timeZone });
  return {
    prefs,
    dateTime: (d: Date | string | null | undefined) => (d ? dateTime.format(new Date(d)) : "—"),
    date: (d: Date | string | null | undefined) => (d ? date.format(new Date(d)) : "—"),
    money: (minor: bigint, currency: string) => formatMoney(minor, currency, prefs.locale),
    /** The same instant in ISO 8601, for `<time dateTime>` and titles. */
    iso: (d: Date | string) => new Date(d).toISOString(),
  };
}

export type Formatters = ReturnType<typeof makeFormatters>;
