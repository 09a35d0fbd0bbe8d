import type { ReactNode } from "react";
import { requirePageActor } from "@/lib/auth/page";

/** The permission check outside any Suspense boundary, so a refusal is a real 403. */
export default async function Layout({ children }: { children: ReactNode }) {
  await requirePageActor("security.manage");
  return children;
}
