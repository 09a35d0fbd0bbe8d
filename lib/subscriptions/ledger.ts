import { addDays, extensionStart, type LedgerGrant } from "./arithmetic";

/**
 * How a subscription's end date follows from its grants, step by step: the same replay as
 * `replayGrants` (docs/subscriptions.md), written out per grant so a page can show it.
 */

export interface ExplainedGrant extends LedgerGrant {
  revokedAt: Date | null;
}

export interface LedgerStep<G> {
  grant: G;
  /**
   * The period this grant counts for now, or null when it is revoked. It can differ from the
   * period stored when the grant was made: an earlier grant revoked later shifts it.
   */
  counted: {
    start: Date;
    end: Date;
    /** Why it starts where it does: the end so far was still running, or had lapsed (or none yet). */
    from: "previous_end" | "granted_at";
  } | null;
}

export interface LedgerExplanation<G> {
  steps: LedgerStep<G>[];
  /** The end the live grants explain; null when none is live. */
  end: Date | null;
}

function byApplication(a: LedgerGrant, b: LedgerGrant): number {
  if (a.appliedSeq != null && b.appliedSeq != null) return a.appliedSeq - b.appliedSeq;
  return a.grantedAt.getTime() - b.grantedAt.getTime() || a.periodStart.getTime() - b.periodStart.getTime();
}

export function explainLedger<G extends ExplainedGrant>(grants: readonly G[]): LedgerExplanation<G> {
  let end: Date | null = null;
  const steps = [...grants].sort(byApplication).map((grant): LedgerStep<G> => {
    if (grant.revokedAt) return { grant, counted: null };
    const start = extensionStart(grant.grantedAt, end);
    const from = end !== null && start.getTime() === end.getTime() ? "previous_end" : "granted_at";
    end = addDays(start, grant.days);
    return { grant, counted: { start, end, from } };
  });
  return { steps, end };
}
