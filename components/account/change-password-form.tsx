"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { changeOwnPasswordAction } from "@/app/(admin)/account/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { toast } from "@/components/ui/toast";

export function ChangePasswordForm() {
  const router = useRouter();
  const [values, setValues] = useState({ currentPassword: "", newPassword: "", confirmPassword: "" });
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [pending, setPending] = useState(false);
  const set = (key: keyof typeof values) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setValues((v) => ({ ...v, [key]: e.target.value }));

  return (
    <form
      className="space-y-4 rounded-lg border bg-card p-6"
      noValidate
      onSubmit={async (event) => {
        event.preventDefault();
        setPending(true);
        const result = await changeOwnPasswordAction(values);
        setPending(false);
        if (result.ok) {
          toast.success("Password changed");
          router.push("/payments");
          router.refresh();
        } else {
          setErrors(result.fieldErrors);
          if (Object.keys(result.fieldErrors).length === 0) toast.error(result.message);
        }
      }}
    >
      <Field label="Current password" id="currentPassword" required error={errors.currentPassword}>
        <Input
          type="password"
          autoComplete="current-password"
          value={values.currentPassword}
          onChange={set("currentPassword")}
        />
      </Field>
      <Field
        label="New password"
        id="newPassword"
        required
        error={errors.newPassword}
        description="At least 12 characters"
      >
        <Input
          type="password"
          autoComplete="new-password"
          value={values.newPassword}
          onChange={set("newPassword")}
        />
      </Field>
      <Field label="Repeat the new password" id="confirmPassword" required error={errors.confirmPassword}>
        <Input
          type="password"
          autoComplete="new-password"
          value={values.confirmPassword}
          onChange={set("confirmPassword")}
        />
      </Field>
      <Button type="submit" className="w-full" disabled={pending} aria-busy={pending}>
        {pending ? "Saving…" : "Save password"}
      </Button>
    </form>
  );
}
