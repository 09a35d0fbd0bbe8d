"use server";

import { defineAction } from "@/lib/auth/action";
import { resolveLookup } from "@/lib/lookup/resolve";
import { lookupInput } from "@/lib/validation/lookup";

/** The command palette's lookup (components/shell/command-palette.tsx): read-only. */
export const lookupAction = defineAction({
  permission: "customer.view",
  input: lookupInput,
  run: (ctx, _input, raw) => resolveLookup(ctx, raw),
});
