import { ShieldCheck } from "lucide-react";
import Link from "next/link";
import { approvalCounts } from "@/lib/approvals/queries";
import { appDb } from "@/lib/auth/current";

/**
 * On the overview, for admins: how many requests wait for this viewer's decision, and how many
 * of their own were decided since they last opened /approvals. Nothing when both are zero.
 */
export async function ApprovalsNotice({ staffId, now }: { staffId: string; now: Date }) {
  let counts: Awaited<ReturnType<typeof approvalCounts>>;
  try {
    counts = await approvalCounts(await appDb(), staffId, now);
  } catch {
    return null;
  }
  if (counts.awaitingYou === 0 && counts.yoursDecided === 0) return null;
  const parts = [
    counts.awaitingYou > 0
      ? `${counts.awaitingYou} ${counts.awaitingYou === 1 ? "request awaits" : "requests await"} your approval`
      : null,
    counts.yoursDecided > 0
      ? `${counts.yoursDecided} of your requests ${counts.yoursDecided === 1 ? "was" : "were"} decided`
      : null,
  ].filter(Boolean);
  return (
    <Link
      href="/approvals"
      className="flex items-center gap-2 rounded-md border border-warning-soft-foreground/20 bg-warning-soft px-3 py-2 text-sm text-warning-soft-foreground hover:underline"
      data-testid="approvals-notice"
      data-awaiting={counts.awaitingYou}
      data-decided={counts.yoursDecided}
    >
      <ShieldCheck className="size-4 shrink-0" aria-hidden />
      {parts.join(" · ")}
    </Link>
  );
}
