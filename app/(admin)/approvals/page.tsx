import type { Metadata } from "next";
import { listRequests, markOutcomesSeen } from "@/lib/approvals/queries";
import { requestViews } from "@/lib/approvals/view";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { roleCan } from "@/lib/auth/permissions";
import { RequestList } from "./_components/request-list";

export const metadata: Metadata = { title: "Approvals" };
export const dynamic = "force-dynamic";

export default async function ApprovalsPage() {
  const actor = await requirePageActor("approval.view");
  const db = await appDb();
  const now = new Date();
  const [pending, decided, mine] = await Promise.all([
    listRequests(db, { status: "pending" }),
    listRequests(db, { limit: 100 }),
    listRequests(db, { requestedBy: actor.id, limit: 50 }),
  ]);
  const [others, history, yours] = await Promise.all([
    requestViews(
      db,
      pending.filter((r) => r.requestedBy !== actor.id),
      now,
    ),
    requestViews(
      db,
      decided.filter((r) => r.status !== "pending"),
      now,
    ),
    requestViews(db, mine, now),
  ]);
  // The requester has now been told the outcome of their decided requests (the overview's count).
  await markOutcomesSeen(db, actor.id, now);
  const canDecide = roleCan(actor.role, "approval.decide");

  return (
    <div className="space-y-8">
      <div className="space-y-1">
        <h1 className="text-xl font-semibold tracking-tight">Approvals</h1>
        <p className="max-w-3xl text-sm text-muted-foreground">
          Actions that match an approval rule wait here until a different admin approves them. Approving
          re-checks the preview against the current state and fails rather than apply something stale.
          Requests expire after 7 days.
        </p>
      </div>

      <section className="space-y-3" aria-labelledby="awaiting-you">
        <h2 id="awaiting-you" className="text-base font-semibold">
          Awaiting your decision
        </h2>
        <RequestList
          requests={others}
          canDecide={canDecide}
          testId="approvals-awaiting"
          empty={{
            title: "Nothing awaits your decision",
            description: "Requests other admins make appear here.",
          }}
        />
      </section>

      <section className="space-y-3" aria-labelledby="your-requests">
        <h2 id="your-requests" className="text-base font-semibold">
          Your requests
        </h2>
        <RequestList
          requests={yours}
          canDecide={false}
          testId="approvals-yours"
          empty={{
            title: "You have no requests",
            description: "A large payment or full refund you submit waits here for another admin.",
          }}
        />
      </section>

      <section className="space-y-3" aria-labelledby="history">
        <h2 id="history" className="text-base font-semibold">
          History
        </h2>
        <RequestList
          requests={history}
          canDecide={false}
          testId="approvals-history"
          empty={{
            title: "No decided requests yet",
            description: "Approved, rejected, expired and failed requests are kept here.",
          }}
        />
      </section>
    </div>
  );
}
