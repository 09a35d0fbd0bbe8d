import { type Command, Option } from "commander";
import { staffRoles } from "@/db/schema/enums";
import { changeStaffRole } from "../staff/change-role";
import { adminContext, withDatabase } from "./database";
import { actorOption, jsonOption } from "./options";
import { emit } from "./output";
import { staffNamedBy } from "./staff-target";

/**
 * `staff role <id|email> --role R --reason R --actor A`: the staff page's "Change role"; registered under
 * the `staff` command of lib/cli/main.ts.
 */
export function registerStaffRoleCommand(staff: Command): void {
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
        const user = await staffNamedBy(handle.db, who);
        const result = await changeStaffRole(ctx, { staffId: user.id, role: opts.role, reason: opts.reason });
        emit(opts.json, result, () =>
          result.changed
            ? `${result.email} is now ${result.role}; their sessions are ended.`
            : `${result.email} already is ${result.role}: nothing changed.`,
        );
      }),
    );
}
