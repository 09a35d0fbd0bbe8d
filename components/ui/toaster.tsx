"use client";

import { type ComponentType, useEffect, useState } from "react";
import { useLoadedAfterPageLoad } from "@/components/lazy/use-loaded-after-page-load";
import { registerToastOutlet, toastOutletReady } from "./toast";

const loadToaster = () => import("./sonner").then((m) => m.Toaster as ComponentType);

/** The toast outlet, mounted once the page is idle or when the first toast asks for it (toast.ts). */
export function LazyToaster() {
  const afterLoad = useLoadedAfterPageLoad(loadToaster);
  const [asked, setAsked] = useState<ComponentType | null>(null);
  useEffect(
    () =>
      registerToastOutlet(() => {
        loadToaster().then(
          (loaded) => setAsked(() => loaded),
          () => undefined,
        );
      }),
    [],
  );
  const Toaster = afterLoad ?? asked;
  // Runs after the toaster's own effects: it is subscribed by now, so nothing shown is lost.
  useEffect(() => {
    if (Toaster) void import("sonner").then(toastOutletReady);
  }, [Toaster]);
  return Toaster ? <Toaster /> : null;
}
