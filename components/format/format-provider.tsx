"use client";

import { useRouter } from "next/navigation";
import { createContext, type ReactNode, useContext, useEffect, useMemo } from "react";
import { DEFAULT_PREFS, type FormatPrefs, makeFormatters } from "@/lib/format";

const FormatContext = createContext<FormatPrefs>(DEFAULT_PREFS);

export const TIME_ZONE_COOKIE = "paydesk_tz";

/**
 * Server and client format with the same locale and time zone (no hydration mismatch).
 * The browser's zone reaches the server through a cookie; the first visit renders in UTC
 * and refreshes once the cookie is set.
 */
export function FormatProvider({ prefs, children }: { prefs: FormatPrefs; children: ReactNode }) {
  const router = useRouter();
  useEffect(() => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && zone !== prefs.timeZone) {
      // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every browser staff use
      document.cookie = `${TIME_ZONE_COOKIE}=${encodeURIComponent(zone)}; path=/; max-age=31536000; samesite=lax`;
      router.refresh();
    }
  }, [prefs.timeZone, router]);
  // A refresh hands over an equal but new object: keep the old one, so the formatters (and the
  // table columns built from them) stay the same and no cell remounts, losing its open dialog.
  const { locale, timeZone } = prefs;
  const value = useMemo(() => ({ locale, timeZone }), [locale, timeZone]);
  return <FormatContext.Provider value={value}>{children}</FormatContext.Provider>;
}

export function useFormat() {
  const prefs = useContext(FormatContext);
  return useMemo(() => makeFormatters(prefs), [prefs]);
}
