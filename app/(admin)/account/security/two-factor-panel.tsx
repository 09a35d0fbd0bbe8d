"use client";

import { Download, ShieldCheck, ShieldOff } from "lucide-react";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { useFormat } from "@/components/format/format-provider";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { CopyableSecret } from "@/components/ui/copyable-secret";
import { Field, focusFirstInvalid } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { toast } from "@/components/ui/toast";
import {
  confirmEnrolmentAction,
  disableTwoFactorAction,
  regenerateRecoveryCodesAction,
  startEnrolmentAction,
} from "./actions";

interface Props {
  enrolled: boolean;
  enabledAt: string | null;
  recoveryCodesLeft: number;
  required: boolean;
  email: string;
}

type Enrolment = { secret: string; uri: string; qrDataUrl: string };

export function TwoFactorPanel({ enrolled, enabledAt, recoveryCodesLeft, required, email }: Props) {
  const router = useRouter();
  const fmt = useFormat();
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [starting, setStarting] = useState(false);

  if (codes) {
    return (
      <RecoveryCodes
        codes={codes}
        email={email}
        onDone={() => {
          setCodes(null);
          router.refresh();
        }}
      />
    );
  }

  if (!enrolled) {
    if (enrolment) {
      return (
        <ConfirmEnrolment
          enrolment={enrolment}
          onConfirmed={(recoveryCodes) => {
            setEnrolment(null);
            setCodes(recoveryCodes);
            toast.success("Two-factor sign-in is on");
          }}
          onCancel={() => setEnrolment(null)}
        />
      );
    }
    return (
      <section className="space-y-3 rounded-lg border bg-card p-6">
        <p className="text-sm">
          You need an authenticator app on your phone (for example Google Authenticator, Microsoft
          Authenticator, 1Password or Aegis).
          {required ? " Your role requires it." : " It is optional for your role, and recommended."}
        </p>
        <Button
          data-testid="two-factor-start"
          disabled={starting}
          aria-busy={starting}
          onClick={async () => {
            setStarting(true);
            const result = await startEnrolmentAction({});
            setStarting(false);
            if (result.ok) setEnrolment(result.data);
            else toast.error(result.message);
          }}
        >
          <ShieldCheck className="size-4" aria-hidden />{" "}
          {starting ? "Preparing…" : "Set up two-factor sign-in"}
        </Button>
      </section>
    );
  }

  return (
    <section className="space-y-4 rounded-lg border bg-card p-6">
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
        <dt className="text-muted-foreground">Turned on</dt>
        <dd>{enabledAt ? fmt.dateTime(enabledAt) : "—"}</dd>
        <dt className="text-muted-foreground">Recovery codes left</dt>
        <dd data-testid="recovery-codes-left">{recoveryCodesLeft} of 10</dd>
      </dl>
      {recoveryCodesLeft <= 3 ? (
        <p className="text-sm text-warning-soft-foreground" role="status">
          Few recovery codes are left. Make new ones before they run out.
        </p>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <CodeConfirmDialog
          trigger="New recovery codes"
          title="Make new recovery codes?"
          description="Your current recovery codes stop working. Enter a code from your authenticator app to continue."
          confirm="Make new codes"
          onSubmit={async (code) => {
            const result = await regenerateRecoveryCodesAction({ code });
            if (result.ok) setCodes(result.data.recoveryCodes);
            return result;
          }}
        />
        <DisableDialog required={required} onDone={() => router.refresh()} />
      </div>
    </section>
  );
}

function ConfirmEnrolment({
  enrolment,
  onConfirmed,
  onCancel,
}: {
  enrolment: Enrolment;
  onConfirmed: (codes: string[]) => void;
  onCancel: () => void;
}) {
  const [code, setCode] = useState("");
  const [error, setError] = useState<string[] | undefined>();
  const [pending, setPending] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  return (
    <form
      ref={form}
      className="space-y-4 rounded-lg border bg-card p-6"
      noValidate
      onSubmit={async (event) => {
        event.preventDefault();
        setPending(true);
        const result = await confirmEnrolmentAction({ code });
        setPending(false);
        if (result.ok) return onConfirmed(result.data.recoveryCodes);
        setError(result.fieldErrors.code ?? [result.message]);
        requestAnimationFrame(() => focusFirstInvalid(form.current));
      }}
    >
      <ol className="list-decimal space-y-4 pl-5 text-sm">
        <li className="space-y-2">
          <p>Scan this QR code with your authenticator app.</p>
          {/* biome-ignore lint/performance/noImgElement: a data URL generated on the server, nothing to optimise */}
          <img
            src={enrolment.qrDataUrl}
            alt="QR code for setting up two-factor sign-in"
            width={220}
            height={220}
            className="rounded-md border bg-white p-1"
            data-testid="totp-qr"
          />
        </li>
        <li className="space-y-2">
          <p>Or type this key into the app by hand:</p>
          <CopyableSecret
            secret={enrolment.secret}
            noun="setup key"
            testId="totp-secret"
            copyTestId="totp-secret-copy"
          />
        </li>
        <li>
          <Field
            label="Code from the app"
            id="enrol-code"
            required
            error={error}
            description="The 6-digit code the app shows now"
          >
            <Input
              value={code}
              onChange={(e) => {
                setCode(e.target.value);
                setError(undefined);
              }}
              autoComplete="one-time-code"
              inputMode="numeric"
              maxLength={7}
              autoFocus
            />
          </Field>
        </li>
      </ol>
      <div className="flex gap-2">
        <Button type="submit" disabled={pending} aria-busy={pending} data-testid="two-factor-confirm">
          {pending ? "Checking…" : "Turn on"}
        </Button>
        <Button type="button" variant="ghost" onClick={onCancel} disabled={pending}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function RecoveryCodes({ codes, email, onDone }: { codes: string[]; email: string; onDone: () => void }) {
  const text = `Paydesk recovery codes for ${email}\nEach code works once.\n\n${codes.join("\n")}\n`;
  return (
    <section className="space-y-4 rounded-lg border bg-card p-6" aria-labelledby="recovery-title">
      <h2 id="recovery-title" className="font-medium">
        Save your recovery codes
      </h2>
      <p className="text-sm text-muted-foreground">
        If you lose your phone, each of these codes signs you in once instead of an app code. They are shown
        only now: copy or download them and keep them somewhere safe.
      </p>
      <ul data-testid="recovery-codes" className="grid grid-cols-2 gap-2 font-mono text-sm">
        {codes.map((code) => (
          <li
            key={code}
            data-testid="recovery-code"
            className="rounded-md border bg-muted/50 px-3 py-1.5 select-all"
          >
            {code}
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap gap-2">
        <Button
          type="button"
          variant="outline"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(text);
              toast.success("Recovery codes copied");
            } catch {
              toast.error("The browser did not allow copying: select the codes and copy them by hand");
            }
          }}
        >
          Copy
        </Button>
        <Button
          type="button"
          variant="outline"
          onClick={() => {
            const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
            const a = document.createElement("a");
            a.href = url;
            a.download = "paydesk-recovery-codes.txt";
            a.click();
            URL.revokeObjectURL(url);
          }}
        >
          <Download className="size-4" aria-hidden /> Download
        </Button>
        <Button type="button" onClick={onDone} data-testid="recovery-codes-done">
          I saved them
        </Button>
      </div>
    </section>
  );
}

type Outcome = { ok: true } | { ok: false; message: string; fieldErrors: Record<string, string[]> };

function CodeConfirmDialog({
  trigger,
  title,
  description,
  confirm,
  onSubmit,
}: {
  trigger: string;
  title: string;
  description: string;
  confirm: string;
  onSubmit: (code: string) => Promise<Outcome>;
}) {
  const [open, setOpen] = useState(false);
  const [code, setCode] = useState("");
  const [error, setError] = useState<string[] | undefined>();
  const [pending, setPending] = useState(false);
  return (
    <AlertDialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          setCode("");
          setError(undefined);
        }
      }}
    >
      <AlertDialogTrigger asChild>
        <Button variant="outline">{trigger}</Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <form
          noValidate
          className="space-y-4"
          onSubmit={async (event) => {
            event.preventDefault();
            setPending(true);
            const result = await onSubmit(code);
            setPending(false);
            if (result.ok) setOpen(false);
            else setError(result.fieldErrors.code ?? [result.message]);
          }}
        >
          <AlertDialogHeader>
            <AlertDialogTitle>{title}</AlertDialogTitle>
            <AlertDialogDescription>{description}</AlertDialogDescription>
          </AlertDialogHeader>
          <Field label="Code from the app" id="dialog-code" required error={error}>
            <Input
              value={code}
              onChange={(e) => setCode(e.target.value)}
              autoComplete="one-time-code"
              inputMode="numeric"
              maxLength={7}
              autoFocus
            />
          </Field>
          <AlertDialogFooter>
            <AlertDialogCancel type="button">Cancel</AlertDialogCancel>
            <Button type="submit" disabled={pending} aria-busy={pending}>
              {pending ? "Checking…" : confirm}
            </Button>
          </AlertDialogFooter>
        </form>
      </AlertDialogContent>
    </AlertDialog>
  );
}

function DisableDialog({ required, onDone }: { required: boolean; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState({ code: "", password: "" });
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [pending, setPending] = useState(false);
  return (
    <AlertDialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          setValues({ code: "", password: "" });
          setErrors({});
        }
      }}
    >
      <AlertDialogTrigger asChild>
        <Button variant="outline">
          <ShieldOff className="size-4" aria-hidden /> Turn off
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <form
          noValidate
          className="space-y-4"
          onSubmit={async (event) => {
            event.preventDefault();
            setPending(true);
            const result = await disableTwoFactorAction({
              code: values.code || undefined,
              password: values.code ? undefined : values.password || undefined,
            });
            setPending(false);
            if (result.ok) {
              setOpen(false);
              toast.success("Two-factor sign-in is off");
              onDone();
            } else {
              setErrors(
                Object.keys(result.fieldErrors).length ? result.fieldErrors : { code: [result.message] },
              );
            }
          }}
        >
          <AlertDialogHeader>
            <AlertDialogTitle>Turn off two-factor sign-in?</AlertDialogTitle>
            <AlertDialogDescription>
              {required
                ? "Your role requires it: you will have to set it up again before you can continue."
                : "Your password alone will sign you in. Your recovery codes stop working."}{" "}
              Confirm with a code from your app (or a recovery code), or with your password.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <Field label="Code" id="disable-code" error={errors.code}>
            <Input
              value={values.code}
              onChange={(e) => setValues((v) => ({ ...v, code: e.target.value }))}
              autoComplete="one-time-code"
              autoFocus
            />
          </Field>
          <Field label="Or your password" id="disable-password" error={errors.password}>
            <Input
              type="password"
              autoComplete="current-password"
              value={values.password}
              onChange={(e) => setValues((v) => ({ ...v, password: e.target.value }))}
            />
          </Field>
          <AlertDialogFooter>
            <AlertDialogCancel type="button">Cancel</AlertDialogCancel>
            <Button type="submit" variant="destructive" disabled={pending} aria-busy={pending}>
              {pending ? "Turning off…" : "Turn off"}
            </Button>
          </AlertDialogFooter>
        </form>
      </AlertDialogContent>
    </AlertDialog>
  );
}
