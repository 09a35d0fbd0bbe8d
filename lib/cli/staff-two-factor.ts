import type { Command } from "commander";
import { resetStaffTwoFactor } from "../auth/two-factor/admin-reset";
import { adminContext, withDatabase } from "./database";
import { actorOption, jsonOption } from "./options";
import { emit } from "./output";
import { staffNamedBy } from "./staff-target";

/**
 * `staff reset-2fa <id|email> --reason R --actor A`: the staff page's "Reset second factor"; registered under
 * the `staff` command of lib/cli/main.ts.
 */
export function registerStaffTwoFactorCommands(staff: Command): void {
  staff
    .command("reset-2fa")
    .description("remove a staff member's second factor and end all their sessions (a lost phone)")
    .argument("<staff>", "staff id or email")
    .requiredOption("--reason <text>", "why (kept in the audit log)")
    .addOption(actorOption())
    .addOption(jsonOption())
    .action((who: string, opts) =>
      withDatabase(async (handle) => {
        const ctx = await adminContext(handle, opts.actor);
        const user = await staffNamedBy(handle.db, who);
        const result = await resetStaffTwoFactor(ctx, { staffId: user.id, reason: opts.reason });
        emit(
          opts.json,
          { ...result, email: user.email },
          () => `Second factor of ${user.email} removed; their sessions are ended.`,
        );
      }),
    );
}
