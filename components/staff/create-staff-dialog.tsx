"use client";

import { UserPlus } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { createStaffAction } from "@/app/(admin)/staff/actions";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { toast } from "@/components/ui/toast";
import { staffRoles } from "@/db/schema/enum-values";
import { OneTimePassword } from "./one-time-password";

export function CreateStaffDialog() {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<(typeof staffRoles)[number]>("support");
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [pending, setPending] = useState(false);
  const [created, setCreated] = useState<{ email: string; password: string } | null>(null);

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          setEmail("");
          setName("");
          setRole("support");
          setErrors({});
          setCreated(null);
        }
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <UserPlus className="size-4" aria-hidden />
          Add staff member
        </Button>
      </DialogTrigger>
      <DialogContent>
        {created ? (
          <div className="space-y-4">
            <DialogHeader>
              <DialogTitle>Account created</DialogTitle>
              <DialogDescription>
                Share it over a secure channel. Paydesk keeps only its hash and cannot show it again.
              </DialogDescription>
            </DialogHeader>
            <OneTimePassword email={created.email} password={created.password} />
            <DialogFooter>
              <Button onClick={() => setOpen(false)}>Done</Button>
            </DialogFooter>
          </div>
        ) : (
          <form
            className="space-y-4"
            onSubmit={async (event) => {
              event.preventDefault();
              setPending(true);
              const result = await createStaffAction({ email, name, role });
              setPending(false);
              if (result.ok && result.data.oneTimePassword) {
                setCreated({ email: result.data.email, password: result.data.oneTimePassword });
                toast.success(`Account for ${result.data.email} created`);
                router.refresh();
              } else if (!result.ok) {
                setErrors(result.fieldErrors);
                if (Object.keys(result.fieldErrors).length === 0) toast.error(result.message);
              }
            }}
          >
            <DialogHeader>
              <DialogTitle>Add staff member</DialogTitle>
              <DialogDescription>A one-time password is generated and shown once.</DialogDescription>
            </DialogHeader>
            <Field label="Email" required error={errors.email}>
              <Input
                type="email"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                autoComplete="off"
              />
            </Field>
            <Field label="Name" required error={errors.name}>
              <Input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
            </Field>
            <Field label="Role" required error={errors.role}>
              <NativeSelect value={role} onChange={(e) => setRole(e.target.value as typeof role)}>
                {staffRoles.map((r) => (
                  <option key={r} value={r}>
                    {r[0]?.toUpperCase()}
                    {r.slice(1)}
                  </option>
                ))}
              </NativeSelect>
            </Field>
            <DialogFooter>
              <Button type="button" variant="outline" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={pending} aria-busy={pending}>
                {pending ? "Creating…" : "Create account"}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
