"use client";

import { useTheme } from "next-themes";
import type * as React from "react";
import { Toaster as Sonner, type ToasterProps } from "sonner";

/**
 * The app's toast outlet, mounted once by LazyToaster (toaster.tsx) in the root layout. Call
 * `toast.success()` / `toast.error()` from "@/components/ui/toast" anywhere on the client. Colors come from the design tokens so
 * rich toasts keep AA contrast in both themes.
 */
function Toaster({ style, ...props }: ToasterProps) {
  const { theme = "system" } = useTheme();
  return (
    <Sonner
      theme={theme as ToasterProps["theme"]}
      className="toaster group"
      position="bottom-right"
      richColors
      closeButton
      style={
        {
          "--normal-bg": "var(--popover)",
          "--normal-text": "var(--popover-foreground)",
          "--normal-border": "var(--border)",
          "--normal-bg-hover": "var(--accent)",
          "--normal-border-hover": "var(--border)",
          "--success-bg": "var(--success-soft)",
          "--success-text": "var(--success-soft-foreground)",
          "--success-border": "color-mix(in srgb, var(--success-soft-foreground) 25%, transparent)",
          "--info-bg": "var(--info-soft)",
          "--info-text": "var(--info-soft-foreground)",
          "--info-border": "color-mix(in srgb, var(--info-soft-foreground) 25%, transparent)",
          "--warning-bg": "var(--warning-soft)",
          "--warning-text": "var(--warning-soft-foreground)",
          "--warning-border": "color-mix(in srgb, var(--warning-soft-foreground) 25%, transparent)",
          "--error-bg": "var(--danger-soft)",
          "--error-text": "var(--danger-soft-foreground)",
          "--error-border": "color-mix(in srgb, var(--danger-soft-foreground) 25%, transparent)",
          "--border-radius": "var(--radius)",
          ...style,
        } as React.CSSProperties
      }
      {...props}
    />
  );
}

export { Toaster };
