import Link from "next/link";
import { type ReactNode, Suspense } from "react";
import { FormatProvider } from "@/components/format/format-provider";
import { ThemeToggle } from "@/components/ui/theme-toggle";
import { navFor } from "@/lib/auth/navigation";
import type { SessionActor } from "@/lib/auth/session";
import type { FormatPrefs } from "@/lib/format";
import { CommandPalette } from "./command-palette";
import { NavLinks } from "./nav-links";
import { ReviewCount } from "./review-count";
import { UserMenu } from "./user-menu";

export function AppShell({
  actor,
  prefs,
  children,
}: {
  actor: SessionActor;
  prefs: FormatPrefs;
  children: ReactNode;
}) {
  // Until a one-time password is replaced, there is nowhere else to go.
  const items = actor.mustChangePassword
    ? []
    : navFor(actor.role).map(({ href, label, section }) => ({
        href,
        label,
        section,
        badge:
          href === "/review" ? (
            <Suspense fallback={null}>
              <ReviewCount />
            </Suspense>
          ) : undefined,
      }));
  return (
    <FormatProvider prefs={prefs}>
      <div className="min-h-screen">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-background focus:px-3 focus:py-2 focus:shadow"
        >
          Skip to content
        </a>
        <header className="sticky top-0 z-30 border-b bg-background/95 backdrop-blur supports-[backdrop-filter]:bg-background/80">
          <div className="mx-auto flex h-14 max-w-screen-2xl items-center gap-6 px-6">
            <Link href="/" className="text-base font-semibold tracking-tight">
              Paydesk
            </Link>
            <NavLinks items={items} />
            <div className="ml-auto flex items-center gap-1">
              {actor.mustChangePassword ? null : <CommandPalette />}
              <ThemeToggle />
              <UserMenu name={actor.name} email={actor.email} role={actor.role} />
            </div>
          </div>
        </header>
        <main id="main" className="mx-auto max-w-screen-2xl px-6 py-6">
          {children}
        </main>
      </div>
    </FormatProvider>
  );
}
