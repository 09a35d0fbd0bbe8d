import { ChevronLeft } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { WebhookEventSummary, WebhookPayload } from "@/components/webhooks/event-details";
import { OutcomeBadge, WEBHOOK_PROVIDER_LABEL } from "@/components/webhooks/outcome-badge";
import { ReplayPanel } from "@/components/webhooks/replay-panel";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { roleCan } from "@/lib/auth/permissions";
import { isServiceError } from "@/lib/errors";
import { getWebhookEvent, type WebhookEventDetail } from "@/lib/webhooks/list";

export const metadata: Metadata = { title: "Webhook event" };
export const dynamic = "force-dynamic";

export default async function WebhookEventPage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requirePageActor("webhook.view");
  const { id } = await params;
  let event: WebhookEventDetail;
  try {
    event = await getWebhookEvent(await appDb(), id);
  } catch (err) {
    if (isServiceError(err) && err.code === "not_found") notFound();
    throw err;
  }
  const canReplay = roleCan(actor.role, "webhook.replay");

  return (
    <div className="space-y-5">
      <div>
        <Link
          href="/webhooks"
          className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
        >
          <ChevronLeft className="size-4" aria-hidden /> Webhooks
        </Link>
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <h1 className="text-xl font-semibold tracking-tight">
            Webhook event <span className="font-mono text-base text-muted-foreground">{event.type}</span>
          </h1>
          <OutcomeBadge outcome={event.outcome} />
        </div>
      </div>

      <div className="grid gap-5 lg:grid-cols-[minmax(0,1fr)_24rem]">
        <div className="min-w-0 space-y-5">
          <WebhookEventSummary event={event} />
          <WebhookPayload payload={event.payload} />
        </div>
        {canReplay ? (
          <div>
            <ReplayPanel
              eventId={event.id}
              provider={WEBHOOK_PROVIDER_LABEL[event.provider] ?? event.provider}
            />
          </div>
        ) : null}
      </div>
    </div>
  );
}
