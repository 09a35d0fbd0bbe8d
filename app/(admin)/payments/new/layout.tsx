import type { ReactNode } from "react";
import { requirePageActor } from "@/lib/auth/page";

/**
 * The permission check, outside this segment's loading.tsx Suspense boundary: a refusal is
 * decided before any HTML is streamed, so the response really is a 403. (Thrown inside the
 * boundary, forbidden() can only replace the content of a 200 that is already on its way.)
 * The page checks again: layouts are not re-run on client-side navigation.
 */
export default async function Layout({ children }: { children: ReactNode }) {
  await requirePageActor("payment.create");
  return children;
}
