import { Info } from "lucide-react";
import type { Metadata } from "next";
import { AuditTable } from "@/components/audit/audit-table";
import { AuditExportButton } from "@/components/audit/export-button";
import {
  auditScope,
  countAuditCapped,
  listAuditActions,
  listAuditActors,
  listAuditEntityTypes,
  listAuditPage,
} from "@/lib/audit/list";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { roleCan } from "@/lib/auth/permissions";
import { auditFiltersOnly, parseAuditListQuery, toAuditSearchParams } from "@/lib/validation/audit-list";

export const metadata: Metadata = { title: "Audit log" };
export const dynamic = "force-dynamic";

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const actor = await requirePageActor("audit.view_own");
  const query = parseAuditListQuery(await searchParams);
  const viewer = { id: actor.id, role: actor.role };
  const ownOnly = auditScope(viewer) === "own";
  const db = await appDb();
  const [page, total, actions, entityTypes, actors] = await Promise.all([
    listAuditPage(db, query, viewer),
    countAuditCapped(db, query, viewer),
    listAuditActions(db),
    listAuditEntityTypes(db),
    // Someone who sees only their own entries has no one else to pick.
    ownOnly ? Promise.resolve([]) : listAuditActors(db),
  ]);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Audit log</h1>
          <p className="text-sm text-muted-foreground">
            Every change and security event, newest first. Open an entry to see what changed.
          </p>
        </div>
        {roleCan(actor.role, "audit.export") ? (
          <AuditExportButton query={toAuditSearchParams(auditFiltersOnly(query)).toString()} />
        ) : null}
      </div>
      {ownOnly ? (
        <p
          role="note"
          data-testid="audit-own-only"
          className="flex items-start gap-2 rounded-md border border-info-soft-foreground/20 bg-info-soft px-3 py-2 text-sm text-info-soft-foreground"
        >
          <Info className="mt-0.5 size-4 shrink-0" aria-hidden />
          You see only the entries of your own actions. Admins and auditors see the whole log.
        </p>
      ) : null}
      <AuditTable
        rows={page.rows}
        query={query}
        total={total}
        nextCursor={page.nextCursor}
        prevCursor={page.prevCursor}
        actions={actions}
        entityTypes={entityTypes}
        actors={actors}
        ownOnly={ownOnly}
      />
    </div>
  );
}
