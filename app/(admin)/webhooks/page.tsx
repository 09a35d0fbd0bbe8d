import type { Metadata } from "next";
import { WebhooksTable } from "@/components/webhooks/webhooks-table";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { hiddenColumns } from "@/lib/validation/hidden-columns";
import { parseWebhookListQuery, WEBHOOK_LIST_DEFAULT_HIDDEN } from "@/lib/validation/webhook-list";
import { countWebhookEventsCapped, listWebhookEventsPage } from "@/lib/webhooks/list";

export const metadata: Metadata = { title: "Webhooks" };
export const dynamic = "force-dynamic";

export default async function WebhooksPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageActor("webhook.view");
  const params = await searchParams;
  const query = parseWebhookListQuery(params);
  const db = await appDb();
  const [page, total] = await Promise.all([
    listWebhookEventsPage(db, query),
    countWebhookEventsCapped(db, query),
  ]);
  const hidden = hiddenColumns(params, WEBHOOK_LIST_DEFAULT_HIDDEN);

  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">Webhooks</h1>
        <p className="text-sm text-muted-foreground">
          Every event Stripe and YooKassa delivered, newest first, with what Paydesk did with it.
        </p>
      </div>
      <WebhooksTable
        rows={page.rows}
        query={query}
        total={total}
        nextCursor={page.nextCursor}
        prevCursor={page.prevCursor}
        hidden={hidden}
      />
    </div>
  );
}
