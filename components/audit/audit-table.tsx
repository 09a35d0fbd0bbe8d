"use client";

import { ChevronRight, ScrollText } from "lucide-react";
import Link from "next/link";
import { useMemo } from "react";
import { type ListColumn, ListScreen } from "@/components/data-table/list-screen";
import {
  RowExpansionProvider,
  useRowExpansion,
  useRowExpansionState,
} from "@/components/data-table/row-expansion";
import { useFormat } from "@/components/format/format-provider";
import { Badge } from "@/components/ui/badge";
import type { CappedCount } from "@/db/capped-count";
import type { AuditActorChoice, AuditListRow } from "@/lib/audit/list";
import type { AuditListQuery } from "@/lib/validation/audit-list";
import { AUDIT_LIST_DEFAULTS, auditListSizes } from "@/lib/validation/audit-list-options";
import { AuditDiff } from "./audit-diff";
import { auditFilters } from "./audit-filters";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where an entity lives in the app, when it has a page of its own. */
export function entityHref(entityType: string, entityId: string): string | null {
  if (!UUID.test(entityId)) return null;
  if (entityType === "payment") return `/payments/${entityId}`;
  if (entityType === "customer") return `/customers/${entityId}`;
  return null;
}

const linkClass =
  "rounded-sm underline-offset-4 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring";

export function AuditTable({
  rows,
  query,
  total,
  nextCursor,
  prevCursor,
  actions,
  entityTypes,
  actors,
  ownOnly,
}: {
  rows: AuditListRow[];
  query: AuditListQuery;
  total: CappedCount;
  nextCursor: string | null;
  prevCursor: string | null;
  actions: string[];
  entityTypes: string[];
  actors: AuditActorChoice[];
  /** The reader sees only their own entries (support). */
  ownOnly: boolean;
}) {
  const expansion = useRowExpansionState();
  const columns = useMemo<ListColumn<AuditListRow>[]>(
    () => [
      {
        id: "time",
        header: "Time",
        cell: ({ row }) => <ToggleCell entry={row.original} />,
      },
      {
        id: "actor",
        header: "Actor",
        cell: ({ row }) => <ActorCell entry={row.original} />,
      },
      {
        id: "action",
        header: "Action",
        cell: ({ row }) => <code className="font-mono text-xs">{row.original.action}</code>,
      },
      {
        id: "entity",
        header: "Entity",
        cell: ({ row }) => {
          const { entityType, entityId } = row.original;
          const href = entityHref(entityType, entityId);
          return (
            <div className="min-w-0 max-w-72">
              <div className="text-xs text-muted-foreground">{entityType}</div>
              {href ? (
                <Link
                  href={href}
                  className={`block truncate font-mono text-xs ${linkClass}`}
                  title={entityId}
                >
                  {entityId}
                </Link>
              ) : (
                <div className="truncate font-mono text-xs" title={entityId}>
                  {entityId}
                </div>
              )}
            </div>
          );
        },
      },
      {
        id: "reason",
        header: "Reason",
        cell: ({ row }) =>
          row.original.reason ? (
            <span className="line-clamp-2 max-w-80 whitespace-normal" title={row.original.reason}>
              {row.original.reason}
            </span>
          ) : (
            <span className="text-muted-foreground">—</span>
          ),
      },
    ],
    [],
  );

  return (
    <RowExpansionProvider value={expansion}>
      <ListScreen
        label="Audit entries"
        columns={columns}
        rows={rows}
        getRowId={(row) => row.id}
        toolbar={{
          label: "Filter audit entries",
          // Support's entries are all their own; an actor in the URL still shows, so it can be cleared.
          filters: auditFilters(
            query,
            { actions, entityTypes, actors },
            { showActor: !ownOnly || query.actor !== null },
          ),
        }}
        page={{
          total,
          noun: { one: "entry", other: "entries" },
          countTestId: "audit-count",
          sizeSelectId: "audit-page-size",
          sizes: auditListSizes,
          size: query.size,
          defaultSize: AUDIT_LIST_DEFAULTS.size,
          nextCursor,
          prevCursor,
        }}
        renderDetail={(row) => (expansion.open.has(row.id) ? <EntryDetail entry={row} /> : null)}
        empty={{
          icon: ScrollText,
          title: ownOnly ? "You have no entries yet" : "No entries yet",
          description: ownOnly
            ? "What you do in Paydesk, such as signing in, is recorded here."
            : "Every change and sign-in will be recorded here.",
          filteredTitle: "No entries match these filters",
        }}
      />
    </RowExpansionProvider>
  );
}

const detailId = (id: string) => `audit-entry-${id}`;

/** The row's disclosure button: opens the entry's details in the row below. */
function ToggleCell({ entry }: { entry: AuditListRow }) {
  const fmt = useFormat();
  const { expanded: open, toggle } = useRowExpansion(entry.id);
  return (
    <button
      type="button"
      onClick={toggle}
      aria-expanded={open}
      aria-controls={open ? detailId(entry.id) : undefined}
      aria-label={`Details of ${entry.action}, ${fmt.dateTime(entry.occurredAt)}`}
      data-testid="audit-row-toggle"
      className="-mx-1.5 inline-flex items-center gap-1.5 rounded px-1.5 py-1 text-left hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
    >
      <ChevronRight
        className={`size-4 shrink-0 text-muted-foreground transition-transform ${open ? "rotate-90" : ""}`}
        aria-hidden
      />
      <time dateTime={fmt.iso(entry.occurredAt)} className="whitespace-nowrap">
        {fmt.dateTime(entry.occurredAt)}
      </time>
    </button>
  );
}

function ActorCell({ entry }: { entry: AuditListRow }) {
  if (entry.actorType === "staff") {
    return (
      <div className="min-w-0">
        <div className="flex items-center gap-1.5">
          <span className="truncate">{entry.actorEmail ?? entry.actorId}</span>
          {entry.actorRole ? <Badge variant="neutral">{entry.actorRole}</Badge> : null}
        </div>
        <div className="text-xs text-muted-foreground">via {entry.via}</div>
      </div>
    );
  }
  return (
    <div className="min-w-0">
      <code className="font-mono text-xs">{entry.actorId}</code>
      <div className="text-xs text-muted-foreground">via {entry.via}</div>
    </div>
  );
}

/** The expanded part of a row: what changed, and where the request came from and how it is chained. */
function EntryDetail({ entry }: { entry: AuditListRow }) {
  const fields: [string, string | null, boolean][] = [
    ["Entry id", entry.id, true],
    ["Request id", entry.requestId, true],
    ...(entry.clientRequestId
      ? [["Client request id (unverified)", entry.clientRequestId, true] as [string, string, boolean]]
      : []),
    ["IP address", entry.ip, true],
    ["User agent", entry.userAgent, false],
    ["Chain", `${entry.chainKey} #${entry.chainSeq}`, true],
    ["Hash", entry.hash, true],
    ["Previous hash", entry.prevHash, true],
  ];
  return (
    <section
      id={detailId(entry.id)}
      aria-label={`Details of ${entry.action}`}
      data-testid="audit-entry-detail"
      // w-0 + min-w-full: fill the row without letting long hashes or user agents widen the
      // table's columns (opening an entry must not reflow the rows around it).
      className="grid w-0 min-w-full gap-4 whitespace-normal px-4 py-3 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]"
    >
      <div className="min-w-0 space-y-1.5">
        <h2 className="text-xs font-medium text-muted-foreground">Before → after</h2>
        {entry.reason ? <p className="text-sm">“{entry.reason}”</p> : null}
        <AuditDiff before={entry.before} after={entry.after} />
      </div>
      <dl className="grid min-w-0 grid-cols-[max-content_minmax(0,1fr)] content-start gap-x-3 gap-y-1 text-xs">
        {fields.map(([label, value, mono]) => (
          <div key={label} className="contents">
            <dt className="text-muted-foreground">{label}</dt>
            <dd className={mono ? "break-all font-mono" : "break-words"}>
              {value ?? <span className="text-muted-foreground">—</span>}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
