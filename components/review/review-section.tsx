import { CircleCheck } from "lucide-react";
import type { ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";

/**
 * One group of /review: a heading with how many wait, what the group is, and either its table
 * (`children`, labelled by the heading: pass `headingId` to it) or an empty state.
 */
export function ReviewSection({
  anchor,
  kind,
  title,
  description,
  empty,
  count,
  children,
}: {
  anchor: string;
  kind: string;
  title: string;
  description: ReactNode;
  empty: string;
  count: number;
  children: (headingId: string) => ReactNode;
}) {
  const headingId = `${anchor}-heading`;
  return (
    <section
      id={anchor}
      aria-labelledby={headingId}
      className="scroll-mt-20 space-y-3"
      data-testid="review-group"
      data-kind={kind}
    >
      <div className="space-y-1">
        <h2 id={headingId} className="flex items-center gap-2 text-base font-semibold">
          {title}
          <Badge variant={count > 0 ? "warning" : "neutral"} data-testid="review-group-count">
            <span className="sr-only">(</span>
            {count}
            <span className="sr-only">{count === 1 ? " item)" : " items)"}</span>
          </Badge>
        </h2>
        <p className="max-w-3xl text-sm text-muted-foreground">{description}</p>
      </div>
      {count === 0 ? (
        <EmptyState
          icon={CircleCheck}
          title={empty}
          className="py-6"
          data-testid="review-empty"
          data-kind={kind}
        />
      ) : (
        <div className="rounded-lg border">{children(headingId)}</div>
      )}
    </section>
  );
}
