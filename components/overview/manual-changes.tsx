"use client";

import { History } from "lucide-react";
import Link from "next/link";
import { STATUS_LABEL } from "@/components/payments/status-badge";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { PaymentStatus } from "@/db/schema/enums";
import type { ManualChange, ManualChangeEffect } from "@/lib/overview/queries";
import { OverviewCard, useOverviewFormat } from "./overview-figures";

const ACTION_LABEL: Record<ManualChangeEffect["action"], string> = {
  "payment.create": "Recorded",
  "payment.status_change": "Status changed",
  "payment.refund": "Refunded",
  "payment.update": "Edited",
};

const statusLabel = (s: PaymentStatus | null) => (s ? STATUS_LABEL[s] : "?");

function useSummary() {
  const f = useOverviewFormat();
  const money = (minor: bigint | null, currency: string | null) =>
    minor !== null && currency ? f.money(minor, currency) : "an amount";
  return (effect: ManualChangeEffect): string => {
    switch (effect.action) {
      case "payment.create":
        return effect.kind === "trial"
          ? `A free trial, ${statusLabel(effect.status).toLowerCase()}`
          : `${money(effect.amountMinor, effect.currency)}, ${statusLabel(effect.status).toLowerCase()}`;
      case "payment.status_change":
        return `${statusLabel(effect.from)} → ${statusLabel(effect.to)}`;
      case "payment.refund":
        return `${money(effect.amountMinor, effect.currency)}, now ${statusLabel(effect.to).toLowerCase()}${
          effect.revokeAccess ? "; access revoked" : ""
        }`;
      case "payment.update":
        return effect.fields.length > 0 ? `Changed the ${effect.fields.join(" and ")}` : "No visible change";
    }
  };
}

/** The latest changes staff made to payments by hand, with who, what, when and why. */
export function ManualChanges({ changes, scope }: { changes: ManualChange[]; scope: "all" | "own" }) {
  const f = useOverviewFormat();
  const summarize = useSummary();
  const description =
    scope === "all"
      ? "The latest changes staff made to payments on the web or through the CLI."
      : "Your own latest changes to payments: support staff see only their own entries.";
  return (
    <OverviewCard
      title="Latest manual changes"
      description={description}
      testId="overview-manual-changes"
      action={
        <Link href="/audit" className="text-primary text-sm underline-offset-4 hover:underline">
          Audit log
        </Link>
      }
    >
      {changes.length === 0 ? (
        <EmptyState
          icon={History}
          title={scope === "all" ? "No manual changes yet" : "No changes of yours"}
          description={
            scope === "all"
              ? "Payments recorded, moved, refunded or edited by staff will be listed here."
              : "Changes you make to payments will be listed here. Admins and auditors see everyone's."
          }
        />
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead scope="col">When</TableHead>
              <TableHead scope="col">Who</TableHead>
              <TableHead scope="col">Change</TableHead>
              <TableHead scope="col">Reason</TableHead>
              <TableHead scope="col">Payment</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {changes.map((c) => (
              <TableRow key={c.id} data-testid="manual-change" data-action={c.effect.action}>
                <TableCell className="whitespace-nowrap align-top">
                  <time dateTime={f.iso(c.at)}>{f.dateTime(c.at)}</time>
                </TableCell>
                <TableCell className="align-top">
                  <div className="font-medium">{c.actorName}</div>
                  <div className="text-muted-foreground text-xs">
                    {c.actorEmail}
                    {c.actorRole ? ` · ${c.actorRole}` : ""} · {c.via}
                  </div>
                </TableCell>
                <TableCell className="align-top">
                  <div className="font-medium">{ACTION_LABEL[c.effect.action]}</div>
                  <div className="text-muted-foreground text-xs tabular-nums">{summarize(c.effect)}</div>
                </TableCell>
                <TableCell className="min-w-48 max-w-80 whitespace-normal align-top">
                  <span className="line-clamp-2 break-words">{c.reason ?? "—"}</span>
                </TableCell>
                <TableCell className="align-top">
                  <Link
                    href={`/payments/${c.paymentId}`}
                    className="text-primary underline-offset-4 hover:underline"
                    data-testid="manual-change-payment"
                  >
                    {c.customerEmail ?? "Payment"}
                    <span className="block font-mono text-muted-foreground text-xs">
                      {c.paymentId.slice(0, 8)}
                    </span>
                  </Link>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </OverviewCard>
  );
}
