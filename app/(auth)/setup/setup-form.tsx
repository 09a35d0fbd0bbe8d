"use client";

import Link from "next/link";
import { useActionState, useEffect, useRef } from "react";
import { Button } from "@/components/ui/button";
import { Field, focusFirstInvalid } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { type SetupState, setupAction } from "./actions";

export function SetupForm() {
  const [state, action, pending] = useActionState<SetupState, FormData>(setupAction, {
    error: null,
    fieldErrors: {},
    values: { email: "", name: "" },
    done: false,
  });
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (Object.keys(state.fieldErrors).length) focusFirstInvalid(form.current);
  }, [state]);

  if (state.done) {
    return (
      <div className="space-y-4" data-testid="setup-done">
        <p className="text-sm" role="status">
          {state.error ?? "Paydesk is already set up."}
        </p>
        <Button asChild className="w-full">
          <Link href="/login">Go to sign-in</Link>
        </Button>
      </div>
    );
  }

  const errors = state.fieldErrors;
  return (
    <form ref={form} action={action} className="space-y-4" noValidate>
      <Field label="Email" id="email" required error={errors.email}>
        <Input
          name="email"
          type="email"
          autoComplete="username"
          defaultValue={state.values.email}
          autoFocus
        />
      </Field>
      <Field label="Name" id="name" required error={errors.name}>
        <Input name="name" autoComplete="name" defaultValue={state.values.name} />
      </Field>
      <Field
        label="Password"
        id="password"
        required
        error={errors.password}
        description="At least 12 characters"
      >
        <Input name="password" type="password" autoComplete="new-password" />
      </Field>
      <Field label="Repeat the password" id="confirmPassword" required error={errors.confirmPassword}>
        <Input name="confirmPassword" type="password" autoComplete="new-password" />
      </Field>
      {state.error ? (
        <p
          role="alert"
          className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive"
        >
          {state.error}
        </p>
      ) : null}
      <Button type="submit" className="w-full" disabled={pending} aria-busy={pending}>
        {pending ? "Creating…" : "Create admin account"}
      </Button>
    </form>
  );
}
