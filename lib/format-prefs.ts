import { cookies, headers } from "next/headers";
import { DEFAULT_PREFS, type FormatPrefs, isValidTimeZone, localeFromAcceptLanguage } from "./format";

const TIME_ZONE_COOKIE = "paydesk_tz";

/** The reader's locale (Accept-Language) and time zone (cookie set by the browser). */
export async function requestFormatPrefs(): Promise<FormatPrefs> {
  const [h, c] = await Promise.all([headers(), cookies()]);
  const tz = c.get(TIME_ZONE_COOKIE)?.value;
  return {
    locale: localeFromAcceptLanguage(h.get("accept-language")),
    timeZone: tz && isValidTimeZone(tz) ? tz : DEFAULT_PREFS.timeZone,
  };
}
