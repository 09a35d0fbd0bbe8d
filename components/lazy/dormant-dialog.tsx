"use client";

import {
  type ComponentType,
  cloneElement,
  type MouseEvent,
  type ReactElement,
  useCallback,
  useState,
} from "react";

/** What a dialog shown through DormantDialog takes: its trigger (its DialogTrigger's child) and whether it mounts open. */
export interface DormantDialogProps {
  trigger: ReactElement;
  defaultOpen?: boolean;
}

type Loader<P> = () => Promise<ComponentType<P & DormantDialogProps>>;

// Dialogs already fetched, by loader: a second one of the kind on the page renders at once.
const arrived = new WeakMap<Loader<never>, ComponentType<never>>();

/**
 * A dialog whose code (its form, zod and react-hook-form, the dialog primitive) arrives on first
 * use: a page with a "Create …" or "Approve" dialog otherwise loads a form library that most
 * visits never open. Until then only its trigger renders; pressing it fetches the dialog and
 * mounts it open (the trigger's own click handler runs first). Nothing earlier (pointing,
 * focus) wakes it: arriving replaces the trigger's element, which would lose a click half made
 * or the keyboard's focus. A fetch that fails leaves the trigger, and the next press tries again.
 */
export function DormantDialog<P extends object>({
  load,
  trigger,
  props,
}: {
  /** A module-level function, the same on every render. */
  load: Loader<P>;
  trigger: ReactElement<{ onClick?: (event: MouseEvent) => void }>;
  props: P;
}) {
  const [Dialog, setDialog] = useState<ComponentType<P & DormantDialogProps> | null>(
    () => (arrived.get(load as Loader<never>) as ComponentType<P & DormantDialogProps> | undefined) ?? null,
  );
  const [openOnArrival, setOpenOnArrival] = useState(false);
  const wake = useCallback(() => {
    setOpenOnArrival(true);
    load().then(
      (loaded) => {
        arrived.set(load as Loader<never>, loaded as ComponentType<never>);
        setDialog(() => loaded);
      },
      () => setOpenOnArrival(false),
    );
  }, [load]);
  if (Dialog) return <Dialog {...props} trigger={trigger} defaultOpen={openOnArrival} />;
  return cloneElement(trigger, {
    "aria-haspopup": "dialog",
    onClick: (event: MouseEvent) => {
      trigger.props.onClick?.(event);
      if (!event.defaultPrevented) wake();
    },
  } as Record<string, unknown>);
}
