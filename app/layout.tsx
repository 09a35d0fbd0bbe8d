import type { Metadata } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { ThemeProvider } from "@/components/ui/theme-provider";
import { LazyToaster } from "@/components/ui/toaster";
import { nonceFromPolicy } from "@/lib/http/security-headers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Paydesk", template: "%s · Paydesk" },
  description: "Back office for payments and subscriptions",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The theme's inline script (no flash of the wrong theme) runs under the page's CSP nonce
  // (proxy.ts); reading the request makes every page dynamic, which a per-request nonce needs.
  const nonce = nonceFromPolicy((await headers()).get("content-security-policy"));
  return (
    <html lang="en" suppressHydrationWarning>
      <body className="min-h-screen font-sans">
        <ThemeProvider nonce={nonce}>
          {children}
          <LazyToaster />
        </ThemeProvider>
      </body>
    </html>
  );
}
