import Link from "next/link";
import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";

/** One keyset pagination step; with no href (first or last page) it renders a disabled button in the same place. */
export function PageLink({
  href,
  label,
  children,
}: {
  href: string | null;
  label: string;
  children: ReactNode;
}) {
  if (!href) {
    return (
      <Button variant="outline" size="sm" disabled aria-label={label}>
        {children}
      </Button>
    );
  }
  return (
    <Button asChild variant="outline" size="sm">
      <Link href={href} aria-label={label} scroll={false}>
        {children}
      </Link>
    </Button>
  );
}
