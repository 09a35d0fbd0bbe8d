import type { ReactNode } from "react";
import { NavLinks } from "@/components/shell/nav-links";
import { settingsNavFor } from "@/lib/auth/navigation";
import { requirePageActor } from "@/lib/auth/page";

/**
 * The settings section: one tab per page the reader may use. Each page's own layout checks its
 * permission (a real 403); this one only draws the tabs.
 */
export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const actor = await requirePageActor();
  const tabs = settingsNavFor(actor.role).map(({ href, label }) => ({ href, label }));
  return (
    <div className="space-y-5">
      {tabs.length > 1 ? (
        <div className="border-b pb-2">
          <NavLinks items={tabs} label="Settings" />
        </div>
      ) : null}
      {children}
    </div>
  );
}
