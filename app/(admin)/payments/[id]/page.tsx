import { ChevronLeft } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DisputesList } from "@/components/payments/disputes-list";
import { pendingRefundWarning } from "@/components/payments/labels";
import { PaymentActions } from "@/components/payments/payment-actions";
import { PaymentSummary, SubscriptionAccess } from "@/components/payments/payment-summary";
import { ProviderPanel } from "@/components/payments/provider-panel";
import { RefundsList } from "@/components/payments/refunds-list";
import { ReviewAlert } from "@/components/payments/review-alert";
import { StatusBadge } from "@/components/payments/status-badge";
import { PaymentTimeline } from "@/components/payments/timeline";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { roleCan } from "@/lib/auth/permissions";
import { isServiceError } from "@/lib/errors";
import { formatMinor, parseAmount } from "@/lib/money/money";
import { getPaymentDetail } from "@/lib/payments/queries";
import { planRefund } from "@/lib/payments/refund-rule";
import { manualTargets } from "@/lib/payments/state-machine";
import { getPaymentTimeline } from "@/lib/payments/timeline";
import { providerAdapter } from "@/lib/providers/adapter";
import { getCustomerSubscriptions } from "@/lib/subscriptions/queries";

export const metadata: Metadata = { title: "Payment" };
export const dynamic = "force-dynamic";

export default async function PaymentPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const actor = await requirePageActor("payment.view");
  const { id } = await params;
  const query = await searchParams;
  const db = await appDb();
  let detail: Awaited<ReturnType<typeof getPaymentDetail>>;
  try {
    detail = await getPaymentDetail(db, id);
  } catch (err) {
    if (isServiceError(err) && err.code === "not_found") notFound();
    throw err;
  }
  const { payment, customer, plan } = detail;
  const [timeline, subs] = await Promise.all([
    // Support reads only its own audit entries: others' show without actor, reason or changes.
    getPaymentTimeline(db, payment.id, actor),
    plan ? getCustomerSubscriptions(db, customer.id) : Promise.resolve(null),
  ]);
  const subscription = plan ? (subs?.subscriptions.find((s) => s.plan.code === plan.code) ?? null) : null;

  const remainingMinor = payment.amountMinor - payment.refundedMinor;
  const refundable = planRefund(payment, null).ok;
  // A provider payment has no hand-set status (manualTargets gives none): it follows its provider.
  const targets = roleCan(actor.role, "payment.change_status") ? manualTargets(payment) : [];
  const canRefund = refundable && roleCan(actor.role, "payment.refund");
  const canEdit = roleCan(actor.role, "payment.update");
  // The refund verb refuses these too; the page says why before anyone tries.
  const refundBlockedReason = detail.refunds.some((r) => r.status === "pending")
    ? pendingRefundWarning(payment.provider)
    : payment.disputed
      ? "This payment is disputed: the dispute decides where the money goes, so it cannot be refunded now"
      : null;
  // `?refund=239.60` (a refund suggestion on /review) opens the refund dialog with that amount,
  // when it is a valid amount that is still refundable; anything else is ignored.
  const suggested = typeof query.refund === "string" ? parseAmount(query.refund, payment.currency) : null;
  const suggestedRefund =
    suggested?.ok && suggested.minor > 0n && suggested.minor <= remainingMinor
      ? formatMinor(suggested.minor, payment.currency)
      : null;
  const provider = payment.provider === "manual" ? null : payment.provider;
  const adapter = provider ? providerAdapter(provider) : null;

  return (
    <div className="space-y-5">
      <div>
        <Link
          href="/payments"
          className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
        >
          <ChevronLeft className="size-4" aria-hidden /> Payments
        </Link>
        <div className="mt-2 flex flex-wrap items-center justify-between gap-3">
          <div className="flex items-center gap-3">
            <h1 className="text-xl font-semibold tracking-tight">
              Payment{" "}
              <span className="font-mono text-base text-muted-foreground">{payment.id.slice(0, 8)}</span>
            </h1>
            <StatusBadge status={payment.status} />
            {payment.disputed ? (
              <span className="rounded bg-destructive/10 px-2 py-0.5 text-xs font-medium text-destructive">
                Disputed
              </span>
            ) : null}
          </div>
          {targets.length > 0 || canRefund || canEdit ? (
            <PaymentActions
              paymentId={payment.id}
              status={payment.status}
              amountMinor={payment.amountMinor}
              provider={payment.provider}
              targets={targets}
              canRefund={canRefund}
              refundBlockedReason={refundBlockedReason}
              canEdit={canEdit}
              remaining={formatMinor(remainingMinor, payment.currency)}
              suggestedRefund={suggestedRefund}
              currency={payment.currency}
              description={payment.description}
              metadata={payment.metadata}
              version={payment.version}
            />
          ) : null}
        </div>
      </div>

      {payment.reviewReason ? (
        <ReviewAlert
          paymentId={payment.id}
          reviewReason={payment.reviewReason}
          canResolve={roleCan(actor.role, "review.resolve")}
        />
      ) : null}

      <div className="grid gap-5 lg:grid-cols-[minmax(0,1fr)_24rem]">
        <div className="space-y-5">
          {provider && adapter ? (
            <ProviderPanel
              paymentId={payment.id}
              provider={provider}
              providerPaymentId={payment.providerPaymentId}
              providerStatus={payment.providerStatus}
              providerError={payment.providerError}
              requestedMinor={payment.requestedMinor}
              amountMinor={payment.amountMinor}
              currency={payment.currency}
              providerStateAt={payment.providerStateAt}
              providerSyncedAt={payment.providerSyncedAt}
              canAct={roleCan(actor.role, "payment.sync")}
              captureRefusal={adapter.canCapture(payment)}
              cancelRefusal={adapter.canCancel(payment)}
            />
          ) : null}
          <PaymentSummary
            payment={payment}
            customer={{ id: customer.id, email: customer.email, name: customer.name }}
            plan={plan ? { code: plan.code, name: plan.name } : null}
            grant={detail.grant}
          />
          <RefundsList refunds={detail.refunds} provider={payment.provider} payment={payment} />
          <DisputesList disputes={detail.disputes} />
          <Card>
            <CardHeader>
              <CardTitle asChild className="text-base">
                <h2>Timeline</h2>
              </CardTitle>
            </CardHeader>
            <CardContent>
              <PaymentTimeline entries={timeline} />
            </CardContent>
          </Card>
        </div>
        <SubscriptionAccess
          planName={plan?.name ?? null}
          subscription={
            subscription
              ? {
                  status: subscription.status,
                  currentPeriodEnd: subscription.currentPeriodEnd,
                }
              : null
          }
        />
      </div>
    </div>
  );
}
