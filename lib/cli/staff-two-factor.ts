import type { Command } from "commander";
import { sql } from "drizzle-orm";
import { staffUsers } from "@/db/schema";
import { resetStaffTwoFactor } from "../auth/two-factor/admin-reset";
import { ServiceError } from "../errors";
import { isUuid } from "../validation/common";
import { adminContext, withDatabase } from "./database";
import { actorOption, jsonOption } from "./options";
import { emit } from "./output";

/** `staff reset-2fa <id|email> --reason R --actor A`: the staff page's "Reset second factor". */
export function registerStaffTwoFactorCommands(program: Command): void {
  const staff =
    program.commands.find((c) => c.name() === "staff") ??
    program.command("staff").description("staff accounts");
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
        const [user] = await handle.db
          .select({ id: staffUsers.id, email: staffUsers.email })
          .from(staffUsers)
          .where(
            isUuid(who)
              ? sql`${staffUsers.id} = ${who.toLowerCase()}`
              : sql`lower(${staffUsers.email}) = ${who.trim().toLowerCase()}`,
          );
        if (!user) throw ServiceError.notFound(`No staff account ${who}`);
        const result = await resetStaffTwoFactor(ctx, { staffId: user.id, reason: opts.reason });
        emit(
          opts.json,
          { ...result, email: user.email },
          () => `Second factor of ${user.email} removed; their sessions are ended.`,
        );
      }),
    );
}
