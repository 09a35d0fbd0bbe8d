import type { ReactNode } from "react";
import { requirePageActor } from "@/lib/auth/page";

/**
 * The permission check, outside this segment's loading.tsx Suspense boundary, so a refusal
 * is a real 403 (see app/(admin)/staff/layout.tsx). The page checks again: layouts are not
 * re-run on client-side navigation.
 */
export default async function Layout({ children }: { children: ReactNode }) {
  await requirePageActor("api_key.manage");
  return children;
}
