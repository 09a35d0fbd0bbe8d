import { type Command, Option } from "commander";
import { sql } from "drizzle-orm";
import { staffUsers } from "@/db/schema";
import { staffRoles } from "@/db/schema/enums";
import { ServiceError } from "../errors";
import { changeStaffRole } from "../staff/change-role";
import { isUuid } from "../validation/common";
import { adminContext, withDatabase } from "./database";
import { actorOption, jsonOption } from "./options";
import { emit } from "./output";

/** `staff role <id|email> --role R --reason R --actor A`: the staff page's "Change role". */
export function registerStaffRoleCommand(program: Command): void {
  const staff =
    program.commands.find((c) => c.name() === "staff") ??
    program.command("staff").description("staff accounts");
  staff
    .command("role")
    .description("give a staff member another role (audited; ends all their sessions)")
    .argument("<staff>", "staff id or email")
    .addOption(new Option("--role <role>").choices(staffRoles).makeOptionMandatory())
    .requiredOption("--reason <text>", "why (kept in the audit log)")
    .addOption(actorOption())
    .addOption(jsonOption())
    .action((who: string, opts) =>
      withDatabase(async (handle) => {
        const ctx = await adminContext(handle, opts.actor);
        const [user] = await handle.db
          .select({ id: staffUsers.id })
          .from(staffUsers)
          .where(
            isUuid(who)
              ? sql`${staffUsers.id} = ${who.toLowerCase()}`
              : sql`lower(${staffUsers.email}) = ${who.trim().toLowerCase()}`,
          );
        if (!user) throw ServiceError.notFound(`No staff account ${who}`);
        const result = await changeStaffRole(ctx, { staffId: user.id, role: opts.role, reason: opts.reason });
        emit(opts.json, result, () =>
          result.changed
            ? `${result.email} is now ${result.role}; their sessions are ended.`
            : `${result.email} already is ${result.role}: nothing changed.`,
        );
      }),
    );
}
