import type * as React from "react";

import { cn } from "@/lib/utils";

type DescriptionListProps = React.ComponentProps<"dl"> & {
  /**
   * "horizontal": term on the left, details on the right (one pair per row).
   * "stacked": term above details, pairs flowing in `columns` columns (summaries at the top of a page).
   */
  layout?: "horizontal" | "stacked";
  columns?: 1 | 2 | 3 | 4;
};

const stackedColumns = {
  1: "grid-cols-1",
  2: "grid-cols-1 sm:grid-cols-2",
  3: "grid-cols-1 sm:grid-cols-2 lg:grid-cols-3",
  4: "grid-cols-1 sm:grid-cols-2 lg:grid-cols-4",
} as const;

/**
 * A `<dl>` for detail summaries. Fill it with `DescriptionItem` (a `<div>` holding one
 * `<dt>`/`<dd>` pair, valid HTML) or with `DescriptionTerm`/`DescriptionDetails` directly.
 */
function DescriptionList({ className, layout = "horizontal", columns = 2, ...props }: DescriptionListProps) {
  return (
    <dl
      data-slot="description-list"
      data-layout={layout}
      className={cn(
        "group/dl grid text-sm",
        layout === "horizontal"
          ? "grid-cols-[minmax(8rem,max-content)_1fr] gap-x-6 gap-y-2.5"
          : cn("gap-x-6 gap-y-4", stackedColumns[columns]),
        className,
      )}
      {...props}
    />
  );
}

function DescriptionTerm({ className, ...props }: React.ComponentProps<"dt">) {
  return <dt data-slot="description-term" className={cn("text-muted-foreground", className)} {...props} />;
}

function DescriptionDetails({ className, ...props }: React.ComponentProps<"dd">) {
  return (
    <dd
      data-slot="description-details"
      className={cn("min-w-0 break-words text-foreground", className)}
      {...props}
    />
  );
}

type DescriptionItemProps = Omit<React.ComponentProps<"div">, "title"> & {
  /** The term (`<dt>`). */
  label: React.ReactNode;
  /** Shown (muted) when the details are empty. */
  fallback?: React.ReactNode;
};

/** One term/details pair; in the horizontal layout it spans both grid columns (subgrid). */
function DescriptionItem({ label, fallback = "—", className, children, ...props }: DescriptionItemProps) {
  const empty = children == null || children === "" || children === false;
  return (
    <div
      data-slot="description-item"
      className={cn(
        "group-data-[layout=horizontal]/dl:col-span-2 group-data-[layout=horizontal]/dl:grid group-data-[layout=horizontal]/dl:grid-cols-subgrid",
        "group-data-[layout=stacked]/dl:flex group-data-[layout=stacked]/dl:flex-col group-data-[layout=stacked]/dl:gap-1",
        className,
      )}
      {...props}
    >
      <DescriptionTerm>{label}</DescriptionTerm>
      <DescriptionDetails className={cn(empty && "text-muted-foreground")}>
        {empty ? fallback : children}
      </DescriptionDetails>
    </div>
  );
}

export {
  DescriptionDetails,
  DescriptionItem,
  type DescriptionItemProps,
  DescriptionList,
  type DescriptionListProps,
  DescriptionTerm,
};
