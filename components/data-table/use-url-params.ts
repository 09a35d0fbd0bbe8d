"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useTransition } from "react";

/** Params that locate a page in a keyset-paginated list; any other change starts from page 1. */
const PAGING = ["cursor", "back"];

/**
 * Table state lives in the URL: a view can be shared, bookmarked and survives reload. The
 * transition's pending flag drives the table's loading state while the server renders.
 */
export function useUrlParams() {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const [pending, startTransition] = useTransition();

  const hrefWith = useCallback(
    (patch: Record<string, string | null>, options: { keepPage?: boolean } = {}) => {
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
    (patch: Record<string, string | null>, options: { keepPage?: boolean } = {}) => {
      const href = hrefWith(patch, options);
      startTransition(() => router.push(href, { scroll: false }));
    },
    [hrefWith, router],
  );

  return { searchParams, update, hrefWith, pending };
}
