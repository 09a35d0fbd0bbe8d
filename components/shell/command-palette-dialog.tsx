"use client";

import { Loader2, Receipt, User, Users } from "lucide-react";
import { useRouter } from "next/navigation";
import { type KeyboardEvent, useCallback, useEffect, useRef, useState } from "react";
import { lookupAction } from "@/app/actions/lookup";
import { useFormat } from "@/components/format/format-provider";
import { StatusBadge } from "@/components/payments/status-badge";
import { CommandDialog, CommandGroup, CommandInput, CommandItem, CommandList } from "@/components/ui/command";
import type { LookupResult } from "@/lib/lookup/resolve";

const TITLE = "Go to a payment or customer";
const MIN_LENGTH = 2;
const ALL_CUSTOMERS = "search:all-customers";

interface Answer {
  /** The trimmed text this answer is for. */
  text: string;
  result: LookupResult | null;
  error: string | null;
}

const isExact = (r: LookupResult | null): r is Extract<LookupResult, { href: string }> =>
  r !== null && r.kind !== "matches";

/**
 * The palette itself, loaded the first time it opens (command-palette.tsx): paste a payment id,
 * a customer id or an email and go straight there; type part of a name or email and pick a
 * customer. The server decides what the text names (lib/lookup/resolve.ts through lookupAction).
 * Each opening mounts it afresh, so it starts empty.
 */
export function CommandPaletteDialog({ onClose }: { onClose: (restoreFocus: boolean) => void }) {
  const router = useRouter();
  const fmt = useFormat();
  const [text, setText] = useState("");
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [loading, setLoading] = useState(false);
  /** The highlighted option (cmdk's value), moved to the best one whenever an answer arrives. */
  const [selected, setSelected] = useState("");
  /**
   * Text whose exact answer opens at once: pasted text (no Enter needed), or text on which
   * Enter was pressed before its answer had arrived.
   */
  const jumpFor = useRef<string | null>(null);
  const requestSeq = useRef(0);
  // An answer arriving after the palette closed is dropped (and must not navigate).
  useEffect(
    () => () => {
      requestSeq.current++;
    },
    [],
  );

  const go = useCallback(
    (href: string) => {
      requestSeq.current++;
      onClose(false);
      router.push(href);
    },
    [onClose, router],
  );

  const ask = useCallback(
    async (q: string) => {
      const seq = ++requestSeq.current;
      setLoading(true);
      const response = await lookupAction({ q }).catch(() => null);
      // An answer to an older text, or one arriving after the palette closed, is dropped.
      if (seq !== requestSeq.current) return;
      const result = response?.ok ? response.data : null;
      setAnswer({
        text: q,
        result,
        error: response?.ok ? null : (response?.message ?? "The search failed. Try again."),
      });
      setLoading(false);
      if (jumpFor.current === q && isExact(result)) go(result.href);
    },
    [go],
  );

  // Looked up as typing pauses; pasted text at once.
  useEffect(() => {
    const q = text.trim();
    if (q.length < MIN_LENGTH) {
      requestSeq.current++;
      setAnswer(null);
      setLoading(false);
      return;
    }
    const timer = setTimeout(() => void ask(q), jumpFor.current === q ? 0 : 200);
    return () => clearTimeout(timer);
  }, [text, ask]);

  // Enter before the answer to the current text has arrived: open it as soon as it does, if
  // it is exact (otherwise the list shows and one picks).
  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key !== "Enter") return;
    const q = text.trim();
    if (q.length < MIN_LENGTH || (answer?.text === q && !loading)) return;
    event.preventDefault();
    jumpFor.current = q;
    void ask(q);
  }

  const q = text.trim();
  const current = answer && answer.text === q ? answer : null;
  const result = current?.result ?? null;
  const matches = result?.kind === "matches" ? result.customers : [];
  const hasOptions = isExact(result) || matches.length > 0 || q.length >= MIN_LENGTH;

  const best = isExact(result)
    ? `${result.kind}:${result.kind === "payment" ? result.payment.id : result.customer.id}`
    : matches[0]
      ? `customer:${matches[0].id}`
      : ALL_CUSTOMERS;
  useEffect(() => setSelected(best), [best]);

  let status: string;
  if (q.length < MIN_LENGTH)
    status = "Paste a payment id, a customer id or an email, or type part of a name.";
  else if (loading || !current) status = "Searching…";
  else if (current.error) status = current.error;
  else if (isExact(result)) status = `Found the ${result.kind}. Press Enter to open it.`;
  else if (matches.length === 0) status = `Nothing matches “${q}”.`;
  else status = `${matches.length} ${matches.length === 1 ? "customer matches" : "customers match"}.`;

  return (
    <CommandDialog
      open
      onOpenChange={(next) => (next ? undefined : onClose(true))}
      title={TITLE}
      // Pinned near the top: the panel grows as answers arrive, and must not jump around.
      className="top-[12vh] translate-y-0 sm:max-w-xl"
      description="Paste a payment id, a customer id or an email to open it; type part of a name or email to pick a customer."
      commandProps={{
        shouldFilter: false,
        loop: true,
        vimBindings: false,
        value: selected,
        onValueChange: setSelected,
        onKeyDown,
      }}
    >
      <CommandInput
        placeholder="Payment id, customer id, email or name…"
        value={text}
        onValueChange={(value) => {
          if (jumpFor.current !== value.trim()) jumpFor.current = null;
          setText(value);
        }}
        onPaste={(event) => {
          jumpFor.current = event.clipboardData.getData("text").trim() || null;
        }}
        data-testid="command-palette-input"
      />
      {hasOptions ? (
        <CommandList label="Results">
          {result?.kind === "payment" ? (
            <CommandGroup heading="Payment">
              <CommandItem value={`payment:${result.payment.id}`} onSelect={() => go(result.href)}>
                <Receipt aria-hidden />
                <span className="font-mono text-xs">{result.payment.id.slice(0, 8)}</span>
                <span className="tabular-nums">
                  {fmt.money(result.payment.amountMinor, result.payment.currency)}
                </span>
                <StatusBadge status={result.payment.status} />
                <span className="ml-auto truncate text-xs text-muted-foreground">
                  {result.payment.customerEmail}
                </span>
              </CommandItem>
            </CommandGroup>
          ) : null}
          {result?.kind === "customer" ? (
            <CommandGroup heading="Customer">
              <CustomerItem customer={result.customer} onSelect={go} />
            </CommandGroup>
          ) : null}
          {matches.length > 0 ? (
            <CommandGroup heading="Customers">
              {matches.map((customer) => (
                <CustomerItem key={customer.id} customer={customer} onSelect={go} />
              ))}
            </CommandGroup>
          ) : null}
          {q.length >= MIN_LENGTH && result?.kind !== "payment" ? (
            <CommandGroup heading="Search">
              <CommandItem value={ALL_CUSTOMERS} onSelect={() => go(`/customers?q=${encodeURIComponent(q)}`)}>
                <Users aria-hidden />
                All customers matching “{q}”
              </CommandItem>
            </CommandGroup>
          ) : null}
        </CommandList>
      ) : null}
      <div
        className="flex items-center gap-2 border-t px-3 py-2 text-xs text-muted-foreground"
        role="status"
        aria-live="polite"
        data-testid="command-palette-status"
      >
        {loading ? <Loader2 className="size-3.5 animate-spin" aria-hidden /> : null}
        <span>{status}</span>
      </div>
    </CommandDialog>
  );
}

function CustomerItem({
  customer,
  onSelect,
}: {
  customer: { id: string; email: string; name: string };
  onSelect: (href: string) => void;
}) {
  return (
    <CommandItem value={`customer:${customer.id}`} onSelect={() => onSelect(`/customers/${customer.id}`)}>
      <User aria-hidden />
      <span className="truncate">{customer.name}</span>
      <span className="ml-auto truncate text-xs text-muted-foreground">{customer.email}</span>
    </CommandItem>
  );
}
