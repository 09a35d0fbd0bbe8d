import { index, pgTable, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns";
import { staffUsers } from "./staff";

/**
 * Sessions signed out before their cookie expired. The cookie is a signed token the server
 * cannot take back, so a copy would otherwise work until it expires (8 hours); rows older
 * than that are useless and pruned.
 */
export const endedSessions = pgTable(
  "ended_sessions",
  {
    sessionId: uuid("session_id").primaryKey(),
    staffId: uuid("staff_id")
      .notNull()
      .references(() => staffUsers.id),
    endedAt: ts("ended_at").notNull(),
  },
  (t) => [index("ended_sessions_ended_at_idx").on(t.endedAt)],
);
