"use client";

import {
  Children,
  type ComponentType,
  cloneElement,
  createContext,
  isValidElement,
  type KeyboardEvent,
  type PointerEvent,
  type ReactElement,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useState,
} from "react";

/**
 * Radix primitives whose code arrives when they are first used. The menu and dialog libraries
 * (positioning, focus trapping, dismissal, scroll locking, roving focus) are a large part of what
 * a page would otherwise load up front, and most menus and dialogs are never opened in a visit.
 *
 * Until its module arrives a primitive is only its trigger; pressing it fetches the module and
 * opens the real one (for a controlled one, by asking its owner through `onOpenChange(true)`, as
 * Radix's trigger would); every other part renders nothing (closed content is not shown anyway).
 * One opened by its owner (`open` set from a menu item, after a form) fetches the module at once.
 * From then on every instance on the page renders the real one. The API is the real module's.
 *
 * Arriving replaces the trigger's element (the real trigger wraps it), so nothing may wake a
 * primitive while the trigger is being used: a dialog's click needs its press and release on one
 * element, and a focused trigger would lose focus. So focus never wakes one, and only a menu,
 * which opens on the press itself, starts fetching when pointed at.
 */
export interface DormantSpec<M> {
  load: () => Promise<M>;
  root: keyof M;
  trigger: keyof M;
  /** `aria-haspopup` of the sleeping trigger, as the real one says. */
  popup: "menu" | "dialog";
  /** What opens it: a menu opens on pointer down and Enter, Space or ArrowDown (as Radix's menu); a dialog on click. */
  opensOn: "pointerdown" | "click";
}

interface RootProps {
  open?: boolean;
  defaultOpen?: boolean;
  onOpenChange?: (open: boolean) => void;
  children?: ReactNode;
}

interface TriggerProps {
  asChild?: boolean;
  children?: ReactNode;
}

/** Keys that open a menu from its trigger, as in the real one. */
const MENU_OPENING_KEYS = new Set(["Enter", " ", "ArrowDown"]);

export function dormantPrimitive<M extends object>(spec: DormantSpec<M>) {
  let arrived: M | null = null;
  const ModuleContext = createContext<M | null>(null);
  const WakeContext = createContext<(opening: boolean) => void>(() => {});

  // biome-ignore lint/correctness/noComponentHookFactories: called once per primitive, at module level (dialog.tsx, …)
  function Root({ open, defaultOpen, onOpenChange, ...props }: RootProps) {
    const [module, setModule] = useState<M | null>(arrived);
    const [openOnArrival, setOpenOnArrival] = useState(false);
    const wake = useCallback(
      (opening: boolean) => {
        if (opening) {
          if (open === undefined) setOpenOnArrival(true);
          else onOpenChange?.(true);
        }
        spec.load().then(
          (loaded) => {
            arrived = loaded;
            setModule(loaded);
          },
          // Not fetched (a deploy in between, the network): the next press tries again.
          () => setOpenOnArrival(false),
        );
      },
      [open, onOpenChange],
    );
    const openedByOwner = module === null && (open === true || defaultOpen === true);
    useEffect(() => {
      if (openedByOwner) wake(false);
    }, [openedByOwner, wake]);
    if (module) {
      const Real = module[spec.root] as unknown as ComponentType<RootProps>;
      return (
        <ModuleContext.Provider value={module}>
          <Real
            open={open}
            onOpenChange={onOpenChange}
            defaultOpen={defaultOpen || openOnArrival}
            {...props}
          />
        </ModuleContext.Provider>
      );
    }
    return <WakeContext.Provider value={wake}>{props.children}</WakeContext.Provider>;
  }

  // biome-ignore lint/correctness/noComponentHookFactories: called once per primitive, at module level (dialog.tsx, …)
  function Trigger({ asChild, children, ...props }: TriggerProps & Record<string, unknown>) {
    const module = useContext(ModuleContext);
    const wake = useContext(WakeContext);
    if (module) {
      const Real = module[spec.trigger] as unknown as ComponentType<TriggerProps>;
      return (
        <Real asChild={asChild} {...props}>
          {children}
        </Real>
      );
    }
    const opening =
      spec.opensOn === "click"
        ? { onClick: () => wake(true) }
        : {
            onPointerDown: (event: PointerEvent) => {
              if (event.button === 0 && !event.ctrlKey) wake(true);
            },
            onKeyDown: (event: KeyboardEvent) => {
              if (!MENU_OPENING_KEYS.has(event.key)) return;
              event.preventDefault();
              wake(true);
            },
          };
    const dormant: Record<string, unknown> = {
      "aria-haspopup": spec.popup,
      "aria-expanded": false,
      "data-state": "closed",
      ...(spec.opensOn === "pointerdown" ? { onPointerEnter: () => wake(false) } : {}),
      ...opening,
    };
    const own = (asChild && isValidElement(children) ? children.props : props) as Record<string, unknown>;
    // The trigger's own handlers run first, as Radix composes them; then the primitive wakes.
    const handlers = Object.fromEntries(
      Object.entries(dormant).map(([name, handler]) => {
        const theirs = own[name];
        if (typeof handler !== "function" || typeof theirs !== "function") return [name, handler];
        return [
          name,
          (event: { defaultPrevented: boolean }) => {
            theirs(event);
            if (!event.defaultPrevented) (handler as (event: unknown) => void)(event);
          },
        ];
      }),
    );
    if (asChild && isValidElement(children)) {
      const child = Children.only(children) as ReactElement<Record<string, unknown>>;
      return cloneElement(child, { ...props, ...handlers });
    }
    return (
      <button type="button" {...props} {...handlers}>
        {children}
      </button>
    );
  }

  /** A part of the real primitive: nothing until its module has arrived. */
  function part<K extends keyof M>(name: K): M[K] {
    // biome-ignore lint/correctness/noComponentHookFactories: called once per part, at module level (dialog.tsx, …)
    const Part = (props: Record<string, unknown>): ReactNode => {
      const module = useContext(ModuleContext);
      if (!module) return null;
      const Real = module[name] as unknown as ComponentType<Record<string, unknown>>;
      return <Real {...props} />;
    };
    Part.displayName = String(name);
    return Part as unknown as M[K];
  }

  return { Root, Trigger, part };
}
