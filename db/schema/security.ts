import { bigint, boolean, index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns";
import { staffRoleEnum } from "./enums";
import { staffUsers } from "./staff";

/**
 * A staff member's TOTP second factor (RFC 6238). The secret is encrypted at rest with a key
 * derived from AUTH_SECRET. `enabledAt` is null while enrolment waits for a first valid code.
 * `lastUsedStep` is the time step of the last accepted code: a code at or before it is a
 * replay and refused.
 */
export const staffTwoFactor = pgTable("staff_two_factor", {
  staffId: uuid("staff_id")
    .primaryKey()
    .references(() => staffUsers.id),
  secretCiphertext: text("secret_ciphertext").notNull(),
  enabledAt: ts("enabled_at"),
  lastUsedStep: bigint("last_used_step", { mode: "number" }),
  createdAt: ts("created_at").notNull().defaultNow(),
});

/** One-time recovery codes, stored as hashes; each works once. */
export const staffRecoveryCodes = pgTable(
  "staff_recovery_codes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    staffId: uuid("staff_id")
      .notNull()
      .references(() => staffUsers.id),
    codeHash: text("code_hash").notNull(),
    usedAt: ts("used_at"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [index("staff_recovery_codes_staff_idx").on(t.staffId)],
);

/** Per role: whether a second factor is required to sign in (/settings/security). */
export const roleSecuritySettings = pgTable("role_security_settings", {
  role: staffRoleEnum("role").primaryKey(),
  requireTwoFactor: boolean("require_two_factor").notNull().default(false),
  updatedAt: ts("updated_at").notNull().defaultNow(),
  updatedBy: text("updated_by"),
});

/**
 * The step between a passed password and a session: a short-lived challenge that only a valid
 * second factor turns into a session. Wrong codes count here and on the account's lock-out.
 */
export const signInChallenges = pgTable(
  "sign_in_challenges",
  {
    id: uuid("id").primaryKey(),
    staffId: uuid("staff_id")
      .notNull()
      .references(() => staffUsers.id),
    createdAt: ts("created_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    usedAt: ts("used_at"),
    failedAttempts: integer("failed_attempts").notNull().default(0),
  },
  (t) => [index("sign_in_challenges_expires_idx").on(t.expiresAt)],
);

/**
 * Bounded counters for what unauthenticated senders can make the database write (rejected
 * sign-ins, rejected webhooks). One row per kind and window, shared by every instance.
 */
export const writeBudgets = pgTable("write_budgets", {
  key: text("key").primaryKey(),
  windowStart: ts("window_start").notNull(),
  count: integer("count").notNull().default(0),
  suppressed: integer("suppressed").notNull().default(0),
});
