"use client";

import { KeyRound, Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
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
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { ApiKeyListItem } from "@/lib/api-keys/list";
import { revokeApiKeyAction } from "../actions";

export function ApiKeysTable({ keys }: { keys: ApiKeyListItem[] }) {
  const fmt = useFormat();
  if (keys.length === 0) {
    return (
      <EmptyState
        icon={KeyRound}
        title="No API keys yet"
        description="Create one for each product or environment that asks Paydesk who has access."
        data-testid="api-keys-empty"
      />
    );
  }
  return (
    <div className="rounded-lg border bg-card">
      <Table aria-label="API keys" data-testid="api-keys-table">
        <TableHeader>
          <TableRow className="hover:bg-transparent">
            <TableHead>Name</TableHead>
            <TableHead>Key</TableHead>
            <TableHead>Created by</TableHead>
            <TableHead>Created</TableHead>
            <TableHead>Last used</TableHead>
            <TableHead className="text-right">Uses</TableHead>
            <TableHead>Status</TableHead>
            <TableHead className="text-right">Actions</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {keys.map((k) => (
            <TableRow
              key={k.id}
              data-testid="api-key-row"
              data-id={k.id}
              data-revoked={k.revokedAt ? "true" : "false"}
            >
              <TableCell className="font-medium">{k.name}</TableCell>
              <TableCell>
                <code className="font-mono text-xs" data-testid="api-key-prefix">
                  {k.prefix}…
                </code>
              </TableCell>
              <TableCell className="text-sm text-muted-foreground">{k.createdBy ?? "—"}</TableCell>
              <TableCell className="whitespace-nowrap text-sm">
                <time dateTime={fmt.iso(k.createdAt)}>{fmt.dateTime(k.createdAt)}</time>
              </TableCell>
              <TableCell className="whitespace-nowrap text-sm" data-testid="api-key-last-used">
                {k.lastUsedAt ? (
                  <time dateTime={fmt.iso(k.lastUsedAt)}>{fmt.dateTime(k.lastUsedAt)}</time>
                ) : (
                  "Never"
                )}
              </TableCell>
              <TableCell className="text-right tabular-nums" data-testid="api-key-uses">
                {new Intl.NumberFormat(fmt.prefs.locale).format(k.useCount)}
              </TableCell>
              <TableCell data-testid="api-key-status">
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
              </TableCell>
              <TableCell className="text-right">
                {k.revokedAt ? null : <RevokeButton id={k.id} name={k.name} prefix={k.prefix} />}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
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
