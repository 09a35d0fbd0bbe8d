import type { Metadata } from "next";
import { Suspense } from "react";
import { ManualChanges } from "@/components/overview/manual-changes";
import { OverviewFigures } from "@/components/overview/overview-figures";
import {
  ChartSkeleton,
  FiguresSkeleton,
  ManualChangesSkeleton,
} from "@/components/overview/overview-skeletons";
import { RevenueChart } from "@/components/overview/revenue-chart";
import { auditScope } from "@/lib/audit/list";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { roleCan } from "@/lib/auth/permissions";
import type { SessionActor } from "@/lib/auth/session";
import {
  activeSubscriptions,
  dailyRevenue,
  latestManualChanges,
  monthRevenue,
  monthStatusCounts,
  monthTrialsStarted,
  openMatters,
  successRate,
  utcMonth,
} from "@/lib/overview/queries";
import { relayOverview, relayStatusLine } from "@/lib/overview/relay-status";
import { ApprovalsNotice } from "./approvals/_components/approvals-notice";

export const metadata: Metadata = { title: "Overview" };
export const dynamic = "force-dynamic";

// Each section streams in behind its own Suspense boundary. A segment-level loading.tsx here
// would wrap every page of the signed-in shell, and the staff and payment layouts must refuse
// (403, 404) before anything streams.

async function Figures({ now }: { now: Date }) {
  const db = await appDb();
  const [revenue, counts, subscriptions, trials, open] = await Promise.all([
    monthRevenue(db, now),
    monthStatusCounts(db, now),
    activeSubscriptions(db, now),
    monthTrialsStarted(db, now),
    openMatters(db),
  ]);
  return (
    <OverviewFigures
      month={utcMonth(now).start}
      revenue={revenue}
      counts={counts}
      rate={successRate(counts)}
      subscriptions={subscriptions}
      trials={trials}
      open={open}
    />
  );
}

async function Chart({ now }: { now: Date }) {
  const { days, series } = await dailyRevenue(await appDb(), now);
  return <RevenueChart days={days} series={series} />;
}

async function Changes({ actor }: { actor: SessionActor }) {
  const changes = await latestManualChanges(await appDb(), actor);
  return <ManualChanges changes={changes} scope={auditScope(actor) === "all" ? "all" : "own"} />;
}

/**
 * Event delivery to NATS in one line, for admins: read from the database (the relay's lease
 * row and the outbox), so it is right whichever instance relays.
 */
async function RelayStatusLine({ now }: { now: Date }) {
  const overview = await relayOverview(await appDb(), { now });
  const trouble = overview.state === "failing" || overview.state === "silent";
  return (
    <p
      data-testid="relay-status"
      data-state={overview.state}
      role="status"
      title={overview.lastError ?? undefined}
      className={
        trouble ? "text-sm font-medium text-danger-soft-foreground" : "text-sm text-muted-foreground"
      }
    >
      {relayStatusLine(overview, now)}
    </p>
  );
}

export default async function OverviewPage() {
  const actor = await requirePageActor("payment.view");
  // One clock for every section, so they all describe the same moment.
  const now = new Date();
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">Overview</h1>
        <p className="text-sm text-muted-foreground">
          This month&apos;s payments and access at a glance. Months and days are UTC.
        </p>
        {roleCan(actor.role, "staff.manage") ? (
          <Suspense fallback={<p className="h-5" aria-hidden="true" />}>
            <RelayStatusLine now={now} />
          </Suspense>
        ) : null}
      </div>
      {roleCan(actor.role, "approval.view") ? (
        <Suspense fallback={null}>
          <ApprovalsNotice staffId={actor.id} now={now} />
        </Suspense>
      ) : null}
      <Suspense fallback={<FiguresSkeleton />}>
        <Figures now={now} />
      </Suspense>
      <Suspense fallback={<ChartSkeleton />}>
        <Chart now={now} />
      </Suspense>
      <Suspense fallback={<ManualChangesSkeleton />}>
        <Changes actor={actor} />
      </Suspense>
    </div>
  );
}
