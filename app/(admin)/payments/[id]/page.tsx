import { ChevronLeft } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { PaymentActions } from "@/components/payments/payment-actions";
import { PaymentSummary, SubscriptionAccess } from "@/components/payments/payment-summary";
import { StatusBadge } from "@/components/payments/status-badge";
import { PaymentTimeline } from "@/components/payments/timeline";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { roleCan } from "@/lib/auth/permissions";
import { isServiceError } from "@/lib/errors";
import { formatMinor } from "@/lib/money/money";
import { getPaymentDetail } from "@/lib/payments/queries";
import { planRefund } from "@/lib/payments/refund-rule";
import { manualTargets } from "@/lib/payments/state-machine";
import { getPaymentTimeline } from "@/lib/payments/timeline";
import { getCustomerSubscriptions } from "@/lib/subscriptions/queries";

export const metadata: Metadata = { title: "Payment" };
export const dynamic = "force-dynamic";

export default async function PaymentPage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requirePageActor("payment.view");
  const { id } = await params;
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
    getPaymentTimeline(db, payment.id),
    plan ? getCustomerSubscriptions(db, customer.id) : Promise.resolve(null),
  ]);
  const subscription = plan ? (subs?.subscriptions.find((s) => s.plan.code === plan.code) ?? null) : null;

  const remainingMinor = payment.amountMinor - payment.refundedMinor;
  const refundable = planRefund(payment, null).ok;
  const targets = roleCan(actor.role, "payment.change_status")
    ? manualTargets(payment.status, payment.amountMinor)
    : [];
  const canRefund = refundable && roleCan(actor.role, "payment.refund");
  const canEdit = roleCan(actor.role, "payment.update");

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
              targets={targets}
              canRefund={canRefund}
              canEdit={canEdit}
              remaining={formatMinor(remainingMinor, payment.currency)}
              currency={payment.currency}
              description={payment.description}
              metadata={payment.metadata}
              version={payment.version}
            />
          ) : null}
        </div>
      </div>

      <div className="grid gap-5 lg:grid-cols-[minmax(0,1fr)_24rem]">
        <div className="space-y-5">
          <PaymentSummary
            payment={payment}
            customer={{ id: customer.id, email: customer.email, name: customer.name }}
            plan={plan ? { code: plan.code, name: plan.name } : null}
            grant={detail.grant}
            refunds={detail.refunds}
          />
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
