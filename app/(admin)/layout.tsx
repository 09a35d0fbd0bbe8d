import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { requirePageActor } from "@/lib/auth/page";
import { requestFormatPrefs } from "@/lib/format-prefs";

export const dynamic = "force-dynamic";

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const [actor, prefs] = await Promise.all([
    requirePageActor(undefined, { passwordChangePage: true, twoFactorEnrolPage: true }),
    requestFormatPrefs(),
  ]);
  return (
    <AppShell actor={actor} prefs={prefs}>
      {children}
    </AppShell>
  );
}
