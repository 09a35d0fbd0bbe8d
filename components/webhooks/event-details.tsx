"use client";

import { ShieldCheck } from "lucide-react";
import Link from "next/link";
import { useFormat } from "@/components/format/format-provider";
import { StatusBadge } from "@/components/payments/status-badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import type { WebhookEventDetail } from "@/lib/webhooks/list";
import { OutcomeBadge, WEBHOOK_PROVIDER_LABEL } from "./outcome-badge";

const VERIFICATION_LABEL: Record<string, string> = {
  "stripe-signature": "Stripe signature valid",
  "ip-allowlist": "Source address on the allow-list",
  "ip-allowlist+hmac": "Source address on the allow-list, HMAC valid",
};

function Row({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div className="grid grid-cols-[9rem_1fr] gap-3 py-2 text-sm">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 break-words" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

/** What Paydesk knows about one delivery: how it was verified, what came of it, what it touched. */
export function WebhookEventSummary({ event }: { event: WebhookEventDetail }) {
  const fmt = useFormat();
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild className="text-base">
          <h2>Delivery</h2>
        </CardTitle>
      </CardHeader>
      <CardContent>
        <dl className="divide-y">
          <Row label="Provider">{WEBHOOK_PROVIDER_LABEL[event.provider] ?? event.provider}</Row>
          <Row label="Event id" testId="webhook-event-id">
            <span className="font-mono text-xs">{event.eventId}</span>
          </Row>
          <Row label="Type">
            <span className="font-mono text-xs">{event.type}</span>
          </Row>
          <Row label="Verification" testId="webhook-verification">
            {event.verification ? (
              <span className="inline-flex items-center gap-1.5">
                <ShieldCheck className="size-4 text-success-soft-foreground" aria-hidden />
                {VERIFICATION_LABEL[event.verification] ?? event.verification}
              </span>
            ) : (
              <span className="text-muted-foreground">Not recorded</span>
            )}
            {event.sourceIp ? <span className="text-muted-foreground"> · from {event.sourceIp}</span> : null}
          </Row>
          <Row label="Received">
            <time dateTime={fmt.iso(event.receivedAt)}>{fmt.dateTime(event.receivedAt)}</time>
          </Row>
          <Row label="Processed" testId="webhook-processed-at">
            {event.processedAt ? (
              <time dateTime={fmt.iso(event.processedAt)}>{fmt.dateTime(event.processedAt)}</time>
            ) : (
              "—"
            )}
          </Row>
          <Row label="Outcome" testId="webhook-outcome">
            <OutcomeBadge outcome={event.outcome} />
          </Row>
          {event.outcomeReason ? (
            <Row label="Reason" testId="webhook-reason">
              {event.outcomeReason}
            </Row>
          ) : null}
          {event.error ? (
            <Row label="Error" testId="webhook-error">
              <pre className="whitespace-pre-wrap break-words rounded-md bg-danger-soft px-2 py-1 font-mono text-xs text-danger-soft-foreground">
                {event.error}
              </pre>
            </Row>
          ) : null}
          <Row label="Attempts" testId="webhook-attempts">
            {event.attempts}
          </Row>
          <Row label="Payment" testId="webhook-payment">
            {event.payment ? (
              <span className="flex flex-wrap items-center gap-2">
                <Link
                  href={`/payments/${event.payment.id}`}
                  className="font-medium underline underline-offset-4 hover:no-underline"
                >
                  {fmt.money(event.payment.amountMinor, event.payment.currency)}
                  {event.payment.planName ? ` · ${event.payment.planName}` : ""}
                </Link>
                <StatusBadge status={event.payment.status} />
                <span className="text-muted-foreground">
                  {event.payment.customerName} · {event.payment.customerEmail}
                </span>
              </span>
            ) : (
              <span className="text-muted-foreground">None</span>
            )}
          </Row>
        </dl>
      </CardContent>
    </Card>
  );
}

/** The body as delivered, pretty-printed; a focusable region so it scrolls from the keyboard. */
export function WebhookPayload({ payload }: { payload: unknown }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle asChild className="text-base">
          <h2 id="webhook-payload-heading">Payload</h2>
        </CardTitle>
      </CardHeader>
      <CardContent>
        <section
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
          tabIndex={0}
          aria-labelledby="webhook-payload-heading"
          className="max-h-[32rem] overflow-auto rounded-md bg-muted/50 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        >
          <pre
            data-testid="webhook-payload"
            className="w-max min-w-full p-3 font-mono text-xs leading-relaxed"
          >
            {JSON.stringify(payload, null, 2)}
          </pre>
        </section>
      </CardContent>
    </Card>
  );
}
