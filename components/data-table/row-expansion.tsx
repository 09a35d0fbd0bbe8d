"use client";

import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";

interface Expansion {
  open: ReadonlySet<string>;
  toggle: (id: string) => void;
}

/**
 * Which rows of a table show their detail row. A context, not a column argument: the columns
 * must not change when a row opens, or the table would remount the cell (it renders each cell
 * function as a component) and drop the keyboard focus on the disclosure button.
 */
const RowExpansionContext = createContext<Expansion>({ open: new Set(), toggle: () => {} });

/** The open rows, owned by the list; hand the result to a `RowExpansionProvider` around the table. */
export function useRowExpansionState(): Expansion {
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = useCallback(
    (id: string) =>
      setOpen((prev) => {
        const next = new Set(prev);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      }),
    [],
  );
  return useMemo(() => ({ open, toggle }), [open, toggle]);
}

export function RowExpansionProvider({ value, children }: { value: Expansion; children: ReactNode }) {
  return <RowExpansionContext.Provider value={value}>{children}</RowExpansionContext.Provider>;
}

/** One row's disclosure state, for its toggle button. */
export function useRowExpansion(id: string): { expanded: boolean; toggle: () => void } {
  const { open, toggle } = useContext(RowExpansionContext);
  return { expanded: open.has(id), toggle: () => toggle(id) };
}
