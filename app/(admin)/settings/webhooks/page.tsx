import type { Metadata } from "next";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { listEndpoints } from "@/lib/outbound/endpoints";
import { AddEndpointButton } from "./_components/add-endpoint-button";
import { EndpointsTable } from "./_components/endpoints-table";

export const metadata: Metadata = { title: "Outbound webhooks" };
export const dynamic = "force-dynamic";

export default async function OutboundWebhooksPage() {
  await requirePageActor("endpoint.manage");
  const endpoints = await listEndpoints(await appDb());
  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Outbound webhooks</h1>
          <p className="text-sm text-muted-foreground">
            Systems that receive Paydesk's events as signed POSTs (Standard Webhooks).
          </p>
        </div>
        <AddEndpointButton />
      </div>
      <EndpointsTable endpoints={endpoints} />
    </div>
  );
}
