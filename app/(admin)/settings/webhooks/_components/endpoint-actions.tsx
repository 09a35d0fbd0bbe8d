"use client";

import { KeyRound, Power, PowerOff } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
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
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Textarea } from "@/components/ui/textarea";
import { toast } from "@/components/ui/toast";
import { disableEndpointAction, enableEndpointAction, rotateEndpointSecretAction } from "../actions";
import { SecretDialog } from "./secret-dialog";

interface Target {
  id: string;
  url: string;
  status: string;
}

/** Disable or enable, and rotate the secret: each behind a confirmation. */
export function EndpointActions({ endpoint }: { endpoint: Target }) {
  return (
    <div className="flex justify-end gap-1">
      <RotateButton endpoint={endpoint} />
      {endpoint.status === "enabled" ? (
        <DisableButton endpoint={endpoint} />
      ) : (
        <EnableButton endpoint={endpoint} />
      )}
    </div>
  );
}

function DisableButton({ endpoint }: { endpoint: Target }) {
  const router = useRouter();
  const [reason, setReason] = useState("");
  const [pending, setPending] = useState(false);
  return (
    <AlertDialog onOpenChange={(open) => !open && setReason("")}>
      <AlertDialogTrigger asChild>
        <Button variant="ghost" size="sm" disabled={pending} data-testid="disable-endpoint">
          <PowerOff className="size-4" aria-hidden /> Disable
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Disable {endpoint.url}?</AlertDialogTitle>
          <AlertDialogDescription>
            No more events are sent to it, and deliveries still waiting for a retry end as failed (you can
            resend them from its log after enabling it again).
          </AlertDialogDescription>
        </AlertDialogHeader>
        <Field label="Reason (optional)">
          <Textarea value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} rows={2} />
        </Field>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction
            data-testid="confirm-disable-endpoint"
            onClick={async () => {
              setPending(true);
              const result = await disableEndpointAction({ endpointId: endpoint.id, reason: reason || null });
              setPending(false);
              if (result.ok) {
                toast.success(
                  result.data.changed ? "Endpoint disabled" : "The endpoint was already disabled",
                );
                router.refresh();
              } else {
                toast.error(result.message);
              }
            }}
          >
            Disable endpoint
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

function EnableButton({ endpoint }: { endpoint: Target }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button variant="ghost" size="sm" disabled={pending} data-testid="enable-endpoint">
          <Power className="size-4" aria-hidden /> Enable
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Enable {endpoint.url}?</AlertDialogTitle>
          <AlertDialogDescription>
            Events from now on are sent to it again. Events that happened while it was disabled are not.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction
            data-testid="confirm-enable-endpoint"
            onClick={async () => {
              setPending(true);
              const result = await enableEndpointAction({ endpointId: endpoint.id });
              setPending(false);
              if (result.ok) {
                toast.success(result.data.changed ? "Endpoint enabled" : "The endpoint was already enabled");
                router.refresh();
              } else {
                toast.error(result.message);
              }
            }}
          >
            Enable endpoint
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

function RotateButton({ endpoint }: { endpoint: Target }) {
  const router = useRouter();
  const fmt = useFormat();
  const [secret, setSecret] = useState<string | null>(null);
  const [until, setUntil] = useState<string>("");
  return (
    <>
      <AlertDialog>
        <AlertDialogTrigger asChild>
          <Button variant="ghost" size="sm" data-testid="rotate-endpoint-secret">
            <KeyRound className="size-4" aria-hidden /> Rotate secret
          </Button>
        </AlertDialogTrigger>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Rotate the secret of {endpoint.url}?</AlertDialogTitle>
            <AlertDialogDescription>
              A new secret signs every message from now on. For 24 hours the current secret signs them too (a
              second signature), so the receiver can switch without rejecting any.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Cancel</AlertDialogCancel>
            <AlertDialogAction
              data-testid="confirm-rotate-secret"
              onClick={async () => {
                const result = await rotateEndpointSecretAction({ endpointId: endpoint.id });
                if (result.ok) {
                  setUntil(fmt.dateTime(result.data.previousSecretExpiresAt));
                  setSecret(result.data.secret);
                  router.refresh();
                } else {
                  toast.error(result.message);
                }
              }}
            >
              Rotate secret
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
      <SecretDialog
        secret={secret}
        title="New signing secret"
        note={until ? `The previous secret keeps signing until ${until}.` : undefined}
        onClose={() => setSecret(null)}
      />
    </>
  );
}
