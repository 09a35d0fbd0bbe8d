import { appDb } from "@/lib/auth/current";
import { listReview } from "@/lib/review/list";

/**
 * How many things wait on /review, beside its link in the navigation. Streamed in behind its
 * own Suspense boundary so that it never holds the page back, and left out when nothing waits
 * or when it cannot be read (the link itself still works).
 */
export async function ReviewCount() {
  let count: number;
  try {
    const review = await listReview(await appDb());
    // Refund suggestions wait on a person too (an admin decides whether money goes back).
    count = review.items.length + review.suggestions.length;
  } catch {
    return null;
  }
  if (count === 0) return null;
  return (
    <span
      className="ml-1.5 inline-flex min-w-5 items-center justify-center rounded-full bg-warning-soft px-1.5 text-xs font-medium tabular-nums text-warning-soft-foreground"
      data-testid="nav-review-count"
    >
      {count}
      <span className="sr-only"> {count === 1 ? "item waits" : "items wait"}</span>
    </span>
  );
}
