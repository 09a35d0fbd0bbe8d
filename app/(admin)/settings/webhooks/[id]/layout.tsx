import { eq } from "drizzle-orm";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { webhookEndpoints } from "@/db/schema";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { isUuid } from "@/lib/validation/common";

/** Decided before loading.tsx streams, so an unknown endpoint is a real 404. */
export default async function Layout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ id: string }>;
}) {
  await requirePageActor("endpoint.manage");
  const { id } = await params;
  if (!isUuid(id)) notFound();
  const [found] = await (await appDb())
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.id, id.toLowerCase()));
  if (!found) notFound();
  return children;
}
