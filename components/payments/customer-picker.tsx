"use client";

import { Check, ChevronsUpDown, Loader2, UserPlus } from "lucide-react";
import { useEffect, useId, useState } from "react";
import { createCustomerAction, searchCustomersAction } from "@/app/(admin)/payments/actions";
import { Button } from "@/components/ui/button";
import { Command, CommandGroup, CommandInput, CommandItem, CommandList } from "@/components/ui/command";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Popover, PopoverContent, PopoverTrigger } from "@/components/ui/popover";
import { toast } from "@/components/ui/toast";
import { cn } from "@/lib/utils";

export interface PickedCustomer {
  id: string;
  email: string;
  name: string;
}

/** Searches customers as you type; an unknown email can be created on the spot. */
export function CustomerPicker({
  id,
  value,
  onChange,
  invalid,
  describedBy,
}: {
  id: string;
  value: PickedCustomer | null;
  onChange: (customer: PickedCustomer) => void;
  invalid?: boolean;
  describedBy?: string;
}) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<PickedCustomer[]>([]);
  const [loading, setLoading] = useState(false);
  const [creating, setCreating] = useState(false);
  const listId = useId();

  useEffect(() => {
    const q = query.trim();
    if (q.length < 2) {
      setResults([]);
      return;
    }
    let cancelled = false;
    setLoading(true);
    const timer = setTimeout(async () => {
      const result = await searchCustomersAction({ q });
      if (cancelled) return;
      setLoading(false);
      if (result.ok) setResults(result.data);
      else toast.error(result.message);
    }, 200);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [query]);

  return (
    <>
      <Popover open={open} onOpenChange={setOpen}>
        <PopoverTrigger asChild>
          <Button
            id={id}
            type="button"
            variant="outline"
            role="combobox"
            aria-expanded={open}
            aria-controls={listId}
            aria-invalid={invalid || undefined}
            aria-describedby={describedBy}
            className={cn("w-full justify-between font-normal", !value && "text-muted-foreground")}
          >
            {value ? (
              <span className="truncate">
                {value.name} <span className="text-muted-foreground">· {value.email}</span>
              </span>
            ) : (
              "Search by email or name…"
            )}
            <ChevronsUpDown className="size-4 opacity-60" aria-hidden />
          </Button>
        </PopoverTrigger>
        <PopoverContent className="w-(--radix-popover-trigger-width) min-w-96 p-0" align="start">
          <Command shouldFilter={false} label="Search customers">
            <CommandInput
              placeholder="Type an email, a name or an id…"
              value={query}
              onValueChange={setQuery}
            />
            <CommandList id={listId}>
              {loading ? (
                <div className="flex items-center gap-2 px-3 py-2 text-sm text-muted-foreground">
                  <Loader2 className="size-4 animate-spin" aria-hidden /> Searching…
                </div>
              ) : null}
              {!loading && query.trim().length >= 2 && results.length === 0 ? (
                // cmdk's own empty state never shows: the "New customer" item is always listed.
                <p className="px-3 py-2 text-sm text-muted-foreground" role="status">
                  No customer matches “{query.trim()}”.
                </p>
              ) : null}
              {results.length > 0 ? (
                <CommandGroup heading="Customers">
                  {results.map((customer) => (
                    <CommandItem
                      key={customer.id}
                      value={customer.id}
                      onSelect={() => {
                        onChange(customer);
                        setOpen(false);
                      }}
                    >
                      <Check
                        className={cn("size-4", value?.id === customer.id ? "opacity-100" : "opacity-0")}
                        aria-hidden
                      />
                      <span className="truncate">{customer.name}</span>
                      <span className="ml-auto truncate text-xs text-muted-foreground">{customer.email}</span>
                    </CommandItem>
                  ))}
                </CommandGroup>
              ) : null}
              <CommandGroup>
                <CommandItem
                  value="__create__"
                  onSelect={() => {
                    setOpen(false);
                    setCreating(true);
                  }}
                >
                  <UserPlus className="size-4" aria-hidden />
                  New customer{query.includes("@") ? ` “${query.trim()}”` : "…"}
                </CommandItem>
              </CommandGroup>
            </CommandList>
          </Command>
        </PopoverContent>
      </Popover>
      <NewCustomerDialog
        open={creating}
        onOpenChange={setCreating}
        initialEmail={query.includes("@") ? query.trim() : ""}
        onCreated={(customer) => {
          onChange(customer);
          setCreating(false);
        }}
      />
    </>
  );
}

function NewCustomerDialog({
  open,
  onOpenChange,
  initialEmail,
  onCreated,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  initialEmail: string;
  onCreated: (customer: PickedCustomer) => void;
}) {
  const [email, setEmail] = useState(initialEmail);
  const [name, setName] = useState("");
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [pending, setPending] = useState(false);
  useEffect(() => {
    if (open) {
      setEmail(initialEmail);
      setName("");
      setErrors({});
    }
  }, [open, initialEmail]);

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent>
        <form
          className="space-y-4"
          onSubmit={async (event) => {
            // The payment form around this dialog must not submit.
            event.preventDefault();
            event.stopPropagation();
            setPending(true);
            const result = await createCustomerAction({ email, name });
            setPending(false);
            if (result.ok) {
              toast.success(`Customer ${result.data.email} created`);
              onCreated(result.data);
            } else {
              setErrors(result.fieldErrors);
              if (Object.keys(result.fieldErrors).length === 0) toast.error(result.message);
            }
          }}
        >
          <DialogHeader>
            <DialogTitle>New customer</DialogTitle>
            <DialogDescription>
              The customer is created now; the payment form keeps what you entered.
            </DialogDescription>
          </DialogHeader>
          <Field label="Email" required error={errors.email}>
            <Input type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" />
          </Field>
          <Field label="Name" required error={errors.name}>
            <Input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
          </Field>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={pending} aria-busy={pending}>
              {pending ? "Creating…" : "Create customer"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
