import type { LucideIcon } from "lucide-react";
import type * as React from "react";

import { cn } from "@/lib/utils";

type EmptyStateProps = Omit<React.ComponentProps<"div">, "title"> & {
  /** A lucide icon component (`icon={InboxIcon}`) or any node. */
  icon?: LucideIcon | React.ReactNode;
  title: React.ReactNode;
  description?: React.ReactNode;
  /** A button or link, e.g. `<Button>New payment</Button>`. */
  action?: React.ReactNode;
};

function isComponent(icon: unknown): icon is LucideIcon {
  return (
    typeof icon === "function" ||
    (typeof icon === "object" && icon !== null && "$$typeof" in icon && "render" in icon)
  );
}

/** "Nothing here yet" / "No results" block for tables, lists and panels. */
function EmptyState({ icon, title, description, action, className, children, ...props }: EmptyStateProps) {
  let iconNode: React.ReactNode = null;
  if (isComponent(icon)) {
    const Icon = icon;
    iconNode = <Icon aria-hidden="true" className="size-5" />;
  } else if (icon != null) {
    iconNode = icon;
  }
  return (
    <div
      data-slot="empty-state"
      className={cn(
        "flex flex-col items-center justify-center gap-3 rounded-lg border border-dashed px-6 py-10 text-center",
        className,
      )}
      {...props}
    >
      {iconNode ? (
        <div className="flex size-10 items-center justify-center rounded-full bg-muted text-muted-foreground">
          {iconNode}
        </div>
      ) : null}
      <div className="flex max-w-sm flex-col gap-1">
        <div data-slot="empty-state-title" className="font-medium text-foreground text-sm">
          {title}
        </div>
        {description ? (
          <div data-slot="empty-state-description" className="text-muted-foreground text-sm">
            {description}
          </div>
        ) : null}
      </div>
      {action ? <div className="mt-1 flex items-center gap-2">{action}</div> : null}
      {children}
    </div>
  );
}

export { EmptyState, type EmptyStateProps };
