import type { ReactNode } from "react";
import { requirePageActor } from "@/lib/auth/page";

/** The permission check outside the loading boundary, so a refusal is a real 403 (as app/(admin)/staff). */
export default async function Layout({ children }: { children: ReactNode }) {
  await requirePageActor("approval_rule.manage");
  return children;
}
