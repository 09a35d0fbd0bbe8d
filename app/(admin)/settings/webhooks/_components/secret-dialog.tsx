"use client";

import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
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
  const [copied, setCopied] = useState(false);
  return (
    <Dialog
      open={secret !== null}
      onOpenChange={(open) => {
        if (!open) {
          setCopied(false);
          onClose();
        }
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
        <div className="flex items-center gap-2">
          <code
            data-testid="endpoint-secret"
            className="flex-1 break-all rounded-md border bg-muted/50 px-3 py-2 font-mono text-sm select-all"
          >
            {secret}
          </code>
          <Button
            type="button"
            variant="outline"
            size="icon"
            aria-label="Copy secret"
            data-testid="copy-secret"
            onClick={async () => {
              if (!secret) return;
              try {
                await navigator.clipboard.writeText(secret);
                setCopied(true);
                toast.success("Secret copied");
              } catch {
                toast.error("Could not copy: select the secret and copy it by hand");
              }
            }}
          >
            {copied ? <Check className="size-4" aria-hidden /> : <Copy className="size-4" aria-hidden />}
          </Button>
        </div>
        <DialogFooter>
          <Button
            onClick={() => {
              setCopied(false);
              onClose();
            }}
          >
            Done
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
