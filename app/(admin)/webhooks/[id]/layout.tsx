import { eq } from "drizzle-orm";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { webhookEvents } from "@/db/schema";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { isUuid } from "@/lib/validation/common";

/**
 * Decided before this segment's loading.tsx starts streaming, so an unknown event is a
 * real 404 (inside the boundary, notFound() could only replace the content of a 200).
 */
export default async function Layout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ id: string }>;
}) {
  await requirePageActor("webhook.view");
  const { id } = await params;
  if (!isUuid(id)) notFound();
  const [found] = await (await appDb())
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(eq(webhookEvents.id, id.toLowerCase()));
  if (!found) notFound();
  return children;
}
