"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useMemo, useTransition } from "react";

/** Params that locate a page in a keyset-paginated list; any other change starts from page 1. */
const PAGING = ["cursor", "back"];

export type UrlPatch = Record<string, string | null>;

/**
 * A list's whole state lives in the URL: a view can be shared, bookmarked and survives reload.
 * This is the one place that reads and writes it (filters, sort, page size, hidden columns and
 * the page cursor); the transition's pending flag drives the table's loading state while the
 * server renders.
 */
export function useUrlParams() {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const [pending, startTransition] = useTransition();

  const hrefWith = useCallback(
    (patch: UrlPatch, options: { keepPage?: boolean } = {}) => {
      const next = new URLSearchParams(searchParams.toString());
      for (const [key, value] of Object.entries(patch)) {
        if (value === null) next.delete(key);
        else next.set(key, value);
      }
      if (!options.keepPage) for (const key of PAGING) if (!(key in patch)) next.delete(key);
      const query = next.toString();
      return query ? `${pathname}?${query}` : pathname;
    },
    [pathname, searchParams],
  );

  const update = useCallback(
    (patch: UrlPatch, options: { keepPage?: boolean } = {}) => {
      const href = hrefWith(patch, options);
      startTransition(() => router.push(href, { scroll: false }));
    },
    [hrefWith, router],
  );

  return useMemo(
    () => ({
      pathname,
      update,
      pending,
      /** Newest first is the default: a click on the sorted column flips it, on another sorts it descending. */
      toggleSort(column: string, current: { sort: string; dir: "asc" | "desc"; defaultSort: string }) {
        const dir = current.sort === column && current.dir === "desc" ? "asc" : "desc";
        update({ sort: column === current.defaultSort ? null : column, dir: dir === "desc" ? null : dir });
      },
      /** The default size stays out of the URL, so the plain address is the default view. */
      setSize(size: number, defaultSize: number) {
        update({ size: size === defaultSize ? null : String(size) });
      },
      /** Hiding a column keeps the page: the rows are the same. */
      setHidden(hidden: readonly string[]) {
        update({ hide: hidden.join(",") }, { keepPage: true });
      },
      pageHref(cursor: string | null, direction: "back" | "forward"): string | null {
        if (!cursor) return null;
        return hrefWith({ cursor, back: direction === "back" ? "1" : null });
      },
    }),
    [pathname, update, hrefWith, pending],
  );
}
