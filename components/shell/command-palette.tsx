"use client";

import { Search } from "lucide-react";
import { type ComponentType, useCallback, useEffect, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { Kbd, KbdGroup } from "@/components/ui/kbd";

type Dialog = ComponentType<{ onClose: (restoreFocus: boolean) => void }>;

/** The palette's code (a command menu, a dialog, the lookup) is fetched on first use, not with every page. */
const loadDialog = () => import("./command-palette-dialog").then((m) => m.CommandPaletteDialog as Dialog);

/**
 * ⌘K / Ctrl+K from anywhere, or the header button, opens the command palette
 * (command-palette-dialog.tsx). Pointing at the button starts fetching it.
 */
export function CommandPalette() {
  const [open, setOpen] = useState(false);
  const [Dialog, setDialog] = useState<Dialog | null>(null);
  const [mac, setMac] = useState(false);
  /** The shortcut listens (after hydration); tests wait for it before pressing keys. */
  const [listening, setListening] = useState(false);
  const openRef = useRef(false);
  /**
   * Where focus was when the palette opened. Radix returns focus only to a Dialog.Trigger of
   * its own, and this dialog opens from a shortcut as often as from the button.
   */
  const returnFocus = useRef<HTMLElement | null>(null);

  const load = useCallback(() => {
    loadDialog().then(
      (loaded) => setDialog(() => loaded),
      () => {
        // Not fetched (a deploy in between, the network): the next attempt tries again.
        openRef.current = false;
        setOpen(false);
      },
    );
  }, []);

  const show = useCallback(() => {
    returnFocus.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    openRef.current = true;
    setOpen(true);
    load();
  }, [load]);

  const hide = useCallback((restoreFocus: boolean) => {
    openRef.current = false;
    setOpen(false);
    const target = returnFocus.current;
    returnFocus.current = null;
    // After Radix has let go of focus (its trap ends with `open`).
    if (restoreFocus && target) setTimeout(() => target.isConnected && target.focus(), 0);
  }, []);

  useEffect(() => {
    setMac(/Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent));
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      if (event.key.toLowerCase() !== "k" || !(event.metaKey || event.ctrlKey)) return;
      if (event.altKey || event.shiftKey) return;
      event.preventDefault();
      if (openRef.current) hide(true);
      else show();
    };
    document.addEventListener("keydown", onKeyDown);
    setListening(true);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [show, hide]);

  return (
    <>
      <Button
        variant="outline"
        size="sm"
        className="h-8 w-44 justify-between gap-2 px-2.5 font-normal text-muted-foreground lg:w-56"
        onClick={show}
        onPointerEnter={load}
        onFocus={load}
        aria-haspopup="dialog"
        aria-keyshortcuts="Control+K Meta+K"
        aria-busy={open && !Dialog ? true : undefined}
        data-testid="command-palette-trigger"
        data-shortcut-ready={listening || undefined}
      >
        <span className="flex items-center gap-2">
          <Search className="size-4" aria-hidden />
          Search…
        </span>
        <KbdGroup>
          <Kbd>{mac ? "⌘" : "Ctrl"}</Kbd>
          <Kbd>K</Kbd>
        </KbdGroup>
      </Button>
      {open && Dialog ? <Dialog onClose={hide} /> : null}
    </>
  );
}
