import { ChevronLeft } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DescriptionItem, DescriptionList } from "@/components/ui/description-list";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { isServiceError } from "@/lib/errors";
import { listDeliveries } from "@/lib/outbound/deliveries";
import { type EndpointView, getEndpoint } from "@/lib/outbound/endpoints";
import { DeliveryLog } from "../_components/delivery-log";
import { EndpointStatusBadge } from "../_components/delivery-status";
import { EndpointActions } from "../_components/endpoint-actions";
import { FormattedDate } from "../_components/formatted-date";

export const metadata: Metadata = { title: "Webhook endpoint" };
export const dynamic = "force-dynamic";

export default async function EndpointPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageActor("endpoint.manage");
  const { id } = await params;
  const { cursor } = await searchParams;
  const db = await appDb();
  let endpoint: EndpointView;
  try {
    endpoint = await getEndpoint(db, id);
  } catch (err) {
    if (isServiceError(err) && err.code === "not_found") notFound();
    throw err;
  }
  const page = await listDeliveries(db, endpoint.id, { cursor: typeof cursor === "string" ? cursor : null });

  return (
    <div className="space-y-5">
      <div>
        <Link
          href="/settings/webhooks"
          className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
        >
          <ChevronLeft className="size-4" aria-hidden /> Outbound webhooks
        </Link>
        <div className="mt-2 flex flex-wrap items-center justify-between gap-3">
          <div className="flex min-w-0 items-center gap-3">
            <h1 className="truncate text-xl font-semibold tracking-tight" title={endpoint.url}>
              {endpoint.url}
            </h1>
            <EndpointStatusBadge status={endpoint.status} />
          </div>
          <EndpointActions endpoint={{ id: endpoint.id, url: endpoint.url, status: endpoint.status }} />
        </div>
      </div>

      <div className="rounded-lg border bg-card p-4">
        <DescriptionList>
          <DescriptionItem label="Description">{endpoint.description}</DescriptionItem>
          <DescriptionItem label="Events">
            <span className="font-mono text-xs">{endpoint.eventTypes.join(", ")}</span>
          </DescriptionItem>
          <DescriptionItem label="Created">
            <FormattedDate value={endpoint.createdAt} />
          </DescriptionItem>
          {endpoint.status === "disabled" ? (
            <DescriptionItem label="Disabled">
              <FormattedDate value={endpoint.disabledAt} />
              {endpoint.disabledReason ? ` — ${endpoint.disabledReason}` : ""}
            </DescriptionItem>
          ) : null}
          {endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > new Date() ? (
            <DescriptionItem label="Secret rotation">
              The previous secret signs too until <FormattedDate value={endpoint.previousSecretExpiresAt} />
            </DescriptionItem>
          ) : null}
        </DescriptionList>
      </div>

      <section className="space-y-3" aria-labelledby="delivery-log-heading">
        <h2 id="delivery-log-heading" className="text-base font-semibold">
          Delivery log
        </h2>
        <DeliveryLog
          deliveries={page.rows}
          endpointEnabled={endpoint.status === "enabled"}
          nextHref={page.nextCursor ? `/settings/webhooks/${endpoint.id}?cursor=${page.nextCursor}` : null}
          firstHref={typeof cursor === "string" ? `/settings/webhooks/${endpoint.id}` : null}
        />
      </section>
    </div>
  );
}
