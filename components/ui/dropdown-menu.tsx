"use client";

import {
  Children,
  type ComponentProps,
  cloneElement,
  createContext,
  isValidElement,
  type KeyboardEvent,
  type PointerEvent,
  type ReactElement,
  type ReactNode,
  useCallback,
  useContext,
  useState,
} from "react";

/**
 * Menus whose code arrives when they are first used. The menu library (positioning, focus
 * trapping, dismissal, roving focus) is a third of what a page would otherwise load up front, and
 * most menus are never opened in a visit. Until then a menu is only its trigger, which fetches
 * the real menu (dropdown-menu-radix.tsx) when pointed at or focused and opens it when pressed;
 * from then on every menu of the page renders the real one. The API is that module's.
 */
type Radix = typeof import("./dropdown-menu-radix");

const loadRadix = () => import("./dropdown-menu-radix");
let loaded: Radix | null = null;

const RadixContext = createContext<Radix | null>(null);
const WakeContext = createContext<(open: boolean) => void>(() => {});

function DropdownMenu({ defaultOpen, ...props }: ComponentProps<Radix["DropdownMenu"]>) {
  const [radix, setRadix] = useState<Radix | null>(loaded);
  const [openOnArrival, setOpenOnArrival] = useState(false);
  const wake = useCallback((open: boolean) => {
    if (open) setOpenOnArrival(true);
    loadRadix().then(
      (module) => {
        loaded = module;
        setRadix(module);
      },
      // Not fetched (a deploy in between, the network): the next press tries again.
      () => setOpenOnArrival(false),
    );
  }, []);
  if (radix) {
    return (
      <RadixContext.Provider value={radix}>
        <radix.DropdownMenu defaultOpen={defaultOpen || openOnArrival} {...props} />
      </RadixContext.Provider>
    );
  }
  return <WakeContext.Provider value={wake}>{props.children}</WakeContext.Provider>;
}

/** Keys that open a menu from its trigger, as in the real one. */
const OPENING_KEYS = new Set(["Enter", " ", "ArrowDown"]);

function DropdownMenuTrigger({ asChild, children, ...props }: ComponentProps<Radix["DropdownMenuTrigger"]>) {
  const radix = useContext(RadixContext);
  const wake = useContext(WakeContext);
  if (radix) {
    return (
      <radix.DropdownMenuTrigger asChild={asChild} {...props}>
        {children}
      </radix.DropdownMenuTrigger>
    );
  }
  const dormant = {
    "aria-haspopup": "menu" as const,
    "aria-expanded": false,
    "data-state": "closed",
    onPointerEnter: () => wake(false),
    onFocus: () => wake(false),
    onPointerDown: (event: PointerEvent) => {
      if (event.button === 0 && !event.ctrlKey) wake(true);
    },
    onKeyDown: (event: KeyboardEvent) => {
      if (!OPENING_KEYS.has(event.key)) return;
      event.preventDefault();
      wake(true);
    },
  };
  const own = (asChild && isValidElement(children) ? children.props : props) as Record<string, unknown>;
  // The trigger's own handlers run first, as Radix composes them; then the menu wakes.
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

/** A part of the real menu: nothing until the menu has woken (its content is not shown closed anyway). */
function part<K extends keyof Radix>(name: K) {
  // biome-ignore lint/correctness/noComponentHookFactories: called once per part, at module level below
  const Part = (props: Record<string, unknown>): ReactNode => {
    const radix = useContext(RadixContext);
    if (!radix) return null;
    const Real = radix[name] as unknown as (props: Record<string, unknown>) => ReactNode;
    return <Real {...props} />;
  };
  Part.displayName = String(name);
  return Part as unknown as Radix[K];
}

const DropdownMenuContent = part("DropdownMenuContent");
const DropdownMenuGroup = part("DropdownMenuGroup");
const DropdownMenuItem = part("DropdownMenuItem");
const DropdownMenuCheckboxItem = part("DropdownMenuCheckboxItem");
const DropdownMenuRadioGroup = part("DropdownMenuRadioGroup");
const DropdownMenuRadioItem = part("DropdownMenuRadioItem");
const DropdownMenuLabel = part("DropdownMenuLabel");
const DropdownMenuSeparator = part("DropdownMenuSeparator");
const DropdownMenuShortcut = part("DropdownMenuShortcut");
const DropdownMenuPortal = part("DropdownMenuPortal");
const DropdownMenuSub = part("DropdownMenuSub");
const DropdownMenuSubContent = part("DropdownMenuSubContent");
const DropdownMenuSubTrigger = part("DropdownMenuSubTrigger");

export {
  DropdownMenu,
  DropdownMenuCheckboxItem,
  DropdownMenuContent,
  DropdownMenuGroup,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuPortal,
  DropdownMenuRadioGroup,
  DropdownMenuRadioItem,
  DropdownMenuSeparator,
  DropdownMenuShortcut,
  DropdownMenuSub,
  DropdownMenuSubContent,
  DropdownMenuSubTrigger,
  DropdownMenuTrigger,
};
