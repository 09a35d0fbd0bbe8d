import { sql } from "drizzle-orm";
import { boolean, index, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns";
import { staffRoleEnum } from "./enums";

export const staffUsers = pgTable(
  "staff_users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: staffRoleEnum("role").notNull(),
    passwordHash: text("password_hash").notNull(),
    disabled: boolean("disabled").notNull().default(false),
    /** Set for generated one-time passwords: the account must choose its own before anything else. */
    mustChangePassword: boolean("must_change_password").notNull().default(false),
    failedLoginCount: integer("failed_login_count").notNull().default(0),
    lockedUntil: ts("locked_until"),
    lastLoginAt: ts("last_login_at"),
    /** Sessions signed in before this instant are refused (sign-out, disable, password reset). */
    sessionsValidAfter: ts("sessions_valid_after"),
    /**
     * The one session that outlives `sessionsValidAfter`: the one that changed its own
     * password (or second factor) and ended all the others.
     */
    keptSessionId: uuid("kept_session_id"),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("staff_users_email_lower_key").on(sql`lower(${t.email})`),
    index("staff_users_role_idx").on(t.role),
  ],
);

export type StaffUser = typeof staffUsers.$inferSelect;
