"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { cn } from "@/lib/utils";

export function NavLinks({
  items,
  label = "Main",
}: {
  /** `badge`: something to show after the label inside the link (the review count); `section`: a wider prefix that marks it current. */
  items: { href: string; label: string; badge?: ReactNode; section?: string }[];
  label?: string;
}) {
  const pathname = usePathname();
  return (
    <nav aria-label={label} className="flex items-center gap-1">
      {items.map((item) => {
        const base = item.section ?? item.href;
        const active =
          pathname === item.href || (base !== "/" && (pathname === base || pathname.startsWith(`${base}/`)));
        return (
          <Link
            key={item.href}
            href={item.href}
            aria-current={active ? "page" : undefined}
            className={cn(
              "inline-flex items-center whitespace-nowrap rounded-md px-3 py-1.5 text-sm font-medium transition-colors focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring",
              active
                ? "bg-accent text-accent-foreground"
                : "text-muted-foreground hover:bg-accent hover:text-accent-foreground",
            )}
          >
            {item.label}
            {item.badge}
          </Link>
        );
      })}
    </nav>
  );
}
