"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { KeyRound, Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { DataTable } from "@/components/data-table/data-table";
import { useFormat } from "@/components/format/format-provider";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { toast } from "@/components/ui/toast";
import type { ApiKeyListItem } from "@/lib/api-keys/list";
import { revokeApiKeyAction } from "../actions";

export function ApiKeysTable({ keys }: { keys: ApiKeyListItem[] }) {
  const fmt = useFormat();
  const columns = useMemo<ColumnDef<ApiKeyListItem>[]>(
    () => [
      {
        id: "name",
        header: "Name",
        cell: ({ row }) => <span className="font-medium">{row.original.name}</span>,
      },
      {
        id: "key",
        header: "Key",
        cell: ({ row }) => (
          <code className="font-mono text-xs" data-testid="api-key-prefix">
            {row.original.prefix}…
          </code>
        ),
      },
      {
        id: "createdBy",
        header: "Created by",
        cell: ({ row }) => (
          <span className="text-sm text-muted-foreground">{row.original.createdBy ?? "—"}</span>
        ),
      },
      {
        id: "created",
        header: "Created",
        cell: ({ row }) => (
          <time className="whitespace-nowrap text-sm" dateTime={fmt.iso(row.original.createdAt)}>
            {fmt.dateTime(row.original.createdAt)}
          </time>
        ),
      },
      {
        id: "lastUsed",
        header: "Last used",
        cell: ({ row }) => (
          <span className="whitespace-nowrap text-sm" data-testid="api-key-last-used">
            {row.original.lastUsedAt ? (
              <time dateTime={fmt.iso(row.original.lastUsedAt)}>{fmt.dateTime(row.original.lastUsedAt)}</time>
            ) : (
              "Never"
            )}
          </span>
        ),
      },
      {
        id: "uses",
        header: "Uses",
        meta: { align: "right" },
        cell: ({ row }) => (
          <span data-testid="api-key-uses">{row.original.useCount.toLocaleString(fmt.prefs.locale)}</span>
        ),
      },
      {
        id: "status",
        header: "Status",
        cell: ({ row }) => {
          const k = row.original;
          return (
            <span data-testid="api-key-status">
              {k.revokedAt ? (
                <Badge
                  variant="neutral"
                  title={`Revoked ${fmt.dateTime(k.revokedAt)}${k.revokedBy ? ` by ${k.revokedBy}` : ""}`}
                >
                  Revoked
                </Badge>
              ) : (
                <Badge variant="success">Active</Badge>
              )}
            </span>
          );
        },
      },
      {
        id: "actions",
        header: "Actions",
        meta: { align: "right" },
        cell: ({ row }) =>
          row.original.revokedAt ? null : (
            <RevokeButton id={row.original.id} name={row.original.name} prefix={row.original.prefix} />
          ),
      },
    ],
    [fmt],
  );
  return (
    <DataTable
      label="API keys"
      testId="api-keys-table"
      columns={columns}
      data={keys}
      getRowId={(k) => k.id}
      rowAttributes={(k) => ({
        "data-testid": "api-key-row",
        "data-id": k.id,
        "data-revoked": k.revokedAt ? "true" : "false",
      })}
      empty={
        <EmptyState
          icon={KeyRound}
          title="No API keys yet"
          description="Create one for each product or environment that asks Paydesk who has access."
          data-testid="api-keys-empty"
          className="m-3"
        />
      }
    />
  );
}

function RevokeButton({ id, name, prefix }: { id: string; name: string; prefix: string }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button variant="ghost" size="sm" disabled={pending} data-testid="revoke-api-key">
          <Trash2 className="size-4" aria-hidden /> Revoke
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Revoke {name}?</AlertDialogTitle>
          <AlertDialogDescription>
            Requests with {prefix}… are refused from now on. This cannot be undone: the product will need a
            new key.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction
            data-testid="confirm-revoke-api-key"
            onClick={async () => {
              setPending(true);
              const result = await revokeApiKeyAction({ apiKeyId: id });
              setPending(false);
              if (result.ok) {
                toast.success(result.data.changed ? `${name} revoked` : `${name} was already revoked`);
                router.refresh();
              } else {
                toast.error(result.message);
              }
            }}
          >
            Revoke key
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
