"use client";

import { useActionState, useEffect, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { type SignInState, signInAction } from "./actions";
import { type SecondFactorState, secondFactorAction } from "./second-factor-action";

export function LoginForm({ callbackUrl, notice }: { callbackUrl: string; notice: string | null }) {
  const [state, action, pending] = useActionState<SignInState, FormData>(signInAction, {
    error: null,
    email: "",
  });
  // The challenge the password step opened; cleared when it is spent, back to the password.
  const [challenge, setChallenge] = useState<string | null>(null);
  const [restartNotice, setRestartNotice] = useState<string | null>(null);
  useEffect(() => {
    if (state.challenge) {
      setChallenge(state.challenge);
      setRestartNotice(null);
    }
  }, [state]);

  if (challenge) {
    return (
      <SecondFactorForm
        challenge={challenge}
        callbackUrl={callbackUrl}
        onRestart={(message) => {
          setChallenge(null);
          setRestartNotice(message);
        }}
      />
    );
  }

  const message = restartNotice ?? state.error ?? notice;
  return (
    <form
      action={action}
      className="space-y-4"
      noValidate
      aria-describedby={message ? "login-error" : undefined}
    >
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <div className="space-y-1.5">
        <Label htmlFor="email">Email</Label>
        <Input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          defaultValue={state.email}
          required
          autoFocus
          aria-invalid={state.error ? true : undefined}
        />
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="password">Password</Label>
        <Input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          aria-invalid={state.error ? true : undefined}
        />
      </div>
      {message ? (
        <p
          id="login-error"
          data-testid="login-error"
          className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive"
          aria-live="polite"
        >
          {message}
        </p>
      ) : null}
      <Button type="submit" className="w-full" disabled={pending} aria-busy={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}

/** The step after a passed password: a code from the authenticator app, or a recovery code. */
function SecondFactorForm({
  challenge,
  callbackUrl,
  onRestart,
}: {
  challenge: string;
  callbackUrl: string;
  onRestart: (message: string) => void;
}) {
  const [state, action, pending] = useActionState<SecondFactorState, FormData>(secondFactorAction, {
    error: null,
    restart: false,
  });
  const [method, setMethod] = useState<"totp" | "recovery_code">("totp");
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (state.restart && state.error) onRestart(state.error);
  }, [state, onRestart]);
  // After a refused code, back to the field with its text selected, ready for the next try.
  useEffect(() => {
    if (!state.error) return;
    input.current?.focus();
    input.current?.select();
  }, [state]);

  const recovery = method === "recovery_code";
  return (
    <form
      action={action}
      className="space-y-4"
      noValidate
      data-testid="second-factor-form"
      aria-describedby={state.error ? "code-error" : "code-help"}
    >
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <input type="hidden" name="challenge" value={challenge} />
      <input type="hidden" name="method" value={method} />
      <p id="code-help" className="text-sm text-muted-foreground">
        {recovery
          ? "Enter one of the recovery codes you saved when you set up two-factor sign-in. Each works once."
          : "Enter the 6-digit code from your authenticator app."}
      </p>
      <div className="space-y-1.5">
        <Label htmlFor="code">{recovery ? "Recovery code" : "Authentication code"}</Label>
        <Input
          key={method}
          ref={input}
          id="code"
          name="code"
          type="text"
          autoComplete={recovery ? "off" : "one-time-code"}
          inputMode={recovery ? "text" : "numeric"}
          pattern={recovery ? undefined : "[0-9 ]*"}
          maxLength={recovery ? 20 : 7}
          spellCheck={false}
          autoCapitalize="off"
          required
          autoFocus
          aria-invalid={state.error ? true : undefined}
          aria-describedby={state.error ? "code-error" : "code-help"}
        />
      </div>
      {state.error && !state.restart ? (
        <p
          id="code-error"
          data-testid="login-error"
          className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive"
          aria-live="polite"
        >
          {state.error}
        </p>
      ) : null}
      <Button type="submit" className="w-full" disabled={pending} aria-busy={pending}>
        {pending ? "Checking…" : "Verify and sign in"}
      </Button>
      <Button
        type="button"
        variant="link"
        className="w-full"
        data-testid="toggle-recovery-code"
        onClick={() => setMethod(recovery ? "totp" : "recovery_code")}
      >
        {recovery ? "Use a code from the authenticator app" : "Use a recovery code"}
      </Button>
    </form>
  );
}
