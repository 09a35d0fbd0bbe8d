"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { type SignInState, signInAction } from "./actions";

export function LoginForm({ callbackUrl, notice }: { callbackUrl: string; notice: string | null }) {
  const [state, action, pending] = useActionState<SignInState, FormData>(signInAction, {
    error: null,
    email: "",
  });
  const message = state.error ?? notice;
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
