"use client";

import { Button } from "@/components/ui/button";
import { CopyableSecret } from "@/components/ui/copyable-secret";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";

/**
 * The signing secret, once: closing the dialog loses it for good (Paydesk shows it nowhere
 * else). `note` says what else to know, e.g. how long the previous secret keeps signing.
 */
export function SecretDialog({
  secret,
  title,
  note,
  onClose,
}: {
  secret: string | null;
  title: string;
  note?: string;
  onClose: () => void;
}) {
  return (
    <Dialog
      open={secret !== null}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
    >
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{title}</DialogTitle>
          <DialogDescription>
            Copy it into the receiver's configuration now: it will not be shown again.
            {note ? ` ${note}` : ""}
          </DialogDescription>
        </DialogHeader>
        {secret ? (
          <CopyableSecret secret={secret} noun="secret" testId="endpoint-secret" copyTestId="copy-secret" />
        ) : null}
        <DialogFooter>
          <Button onClick={onClose}>Done</Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
