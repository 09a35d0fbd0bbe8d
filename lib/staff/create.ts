import { sql } from "drizzle-orm";
import { type StaffUser, staffUsers } from "@/db/schema";
import { appendAudit } from "../audit/append";
import { assertCan, nowOf, type ServiceContext } from "../context";
import { isUniqueViolation } from "../db-errors";
import { ServiceError } from "../errors";
import { parseInput } from "../validation/parse";
import { type CreateStaffInput, createStaffInput } from "../validation/staff";
import { generatePassword, hashPassword } from "./password";

export interface CreateStaffResult {
  user: Omit<StaffUser, "passwordHash">;
  /** Present only when the service generated it: show it once, never store it. */
  oneTimePassword: string | null;
}

const DUPLICATE = "A staff account with this email already exists";

export async function createStaff(ctx: ServiceContext, raw: CreateStaffInput): Promise<CreateStaffResult> {
  assertCan(ctx, "staff.manage");
  const input = parseInput(createStaffInput, raw);
  const oneTimePassword = input.password ? null : generatePassword();
  const passwordHash = await hashPassword(input.password ?? oneTimePassword!);
  const now = nowOf(ctx);
  try {
    return await ctx.db.transaction(async (tx) => {
      const [existing] = await tx
        .select({ id: staffUsers.id })
        .from(staffUsers)
        .where(sql`lower(${staffUsers.email}) = ${input.email}`);
      if (existing) throw ServiceError.field("email", DUPLICATE);
      const [user] = await tx
        .insert(staffUsers)
        .values({
          email: input.email,
          name: input.name,
          role: input.role,
          passwordHash,
          // A generated password is known to whoever created the account: it only opens the
          // door to choosing one's own.
          mustChangePassword: oneTimePassword !== null,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!user) throw new Error("staff insert returned nothing");
      const { passwordHash: _omit, ...safe } = user;
      await appendAudit(
        tx,
        ctx,
        {
          action: "staff.create",
          entityType: "staff",
          entityId: user.id,
          before: null,
          after: { email: user.email, name: user.name, role: user.role, disabled: user.disabled },
        },
        { entityLocked: true },
      );
      return { user: safe, oneTimePassword };
    });
  } catch (err) {
    if (isUniqueViolation(err, "staff_users_email_lower_key")) throw ServiceError.field("email", DUPLICATE);
    throw err;
  }
}
