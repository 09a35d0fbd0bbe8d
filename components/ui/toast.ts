"use client";

import type { ExternalToast } from "sonner";

/**
 * Toasts whose library arrives when the page is idle, or with the first toast if that is
 * sooner: most pages show none before a person acts, and the toaster is no part of reading a
 * page. Same calls as sonner's `toast.success(message, data)`; the outlet is LazyToaster
 * (toaster.tsx), rendered once in the root layout.
 */
type Sonner = typeof import("sonner");
type Kind = "success" | "error" | "info" | "warning";
type Message = Parameters<Sonner["toast"]["success"]>[0];

let ready: Sonner | null = null;
const waiting: ((sonner: Sonner) => void)[] = [];
let wakeOutlet: (() => void) | null = null;

function show(kind: Kind, message: Message, data?: ExternalToast) {
  if (ready) {
    ready.toast[kind](message, data);
    return;
  }
  waiting.push((sonner) => sonner.toast[kind](message, data));
  wakeOutlet?.();
}

export const toast = {
  success: (message: Message, data?: ExternalToast) => show("success", message, data),
  error: (message: Message, data?: ExternalToast) => show("error", message, data),
  info: (message: Message, data?: ExternalToast) => show("info", message, data),
  warning: (message: Message, data?: ExternalToast) => show("warning", message, data),
};

/** For the outlet: how to mount itself when a toast comes before the idle moment. */
export function registerToastOutlet(wake: () => void): () => void {
  wakeOutlet = wake;
  if (waiting.length > 0) wake();
  return () => {
    if (wakeOutlet === wake) wakeOutlet = null;
  };
}

/** For the outlet: it has mounted and listens; the toasts asked for meanwhile show now. */
export function toastOutletReady(sonner: Sonner) {
  ready = sonner;
  for (const shown of waiting.splice(0)) shown(sonner);
}
