"use client";

import { useEffect, useState } from "react";

/**
 * A module's export, imported once the page has loaded and the browser is idle: what is not
 * needed to read or use the page first (a chart's drawing) stays out of its first load. Until
 * then (and on the server) it is null, so the caller renders a placeholder of the same size.
 */
export function useLoadedAfterPageLoad<T>(load: () => Promise<T>): T | null {
  const [value, setValue] = useState<{ current: T } | null>(null);
  useEffect(() => {
    let cancelled = false;
    // Safari before 18 has no idle callback: a timer is the next best moment.
    const idleApi = window as Partial<Pick<Window, "requestIdleCallback" | "cancelIdleCallback">>;
    let idle: number | undefined;
    const start = () => {
      const run = () =>
        load().then(
          (loaded) => !cancelled && setValue({ current: loaded }),
          // A chunk that failed to arrive (a deploy in between, the network) leaves the placeholder.
          () => undefined,
        );
      idle = idleApi.requestIdleCallback
        ? idleApi.requestIdleCallback(run, { timeout: 2000 })
        : (globalThis.setTimeout(run, 0) as unknown as number);
    };
    if (document.readyState === "complete") start();
    else window.addEventListener("load", start, { once: true });
    return () => {
      cancelled = true;
      window.removeEventListener("load", start);
      if (idle !== undefined) {
        if (idleApi.cancelIdleCallback) idleApi.cancelIdleCallback(idle);
        else globalThis.clearTimeout(idle);
      }
    };
  }, [load]);
  return value?.current ?? null;
}
