import type { ReactNode } from "react";
import { requirePageActor } from "@/lib/auth/page";

/**
 * The permission check, outside the segment's loading.tsx boundary, so a refusal is a real 403
 * (see app/(admin)/staff/layout.tsx). Each page checks again: layouts are not re-run on
 * client-side navigation.
 */
export default async function Layout({ children }: { children: ReactNode }) {
  await requirePageActor("endpoint.manage");
  return children;
}
