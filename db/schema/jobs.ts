import { integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { ts } from "./columns";

/**
 * One row per scheduled job: whoever holds an unexpired lease runs it, so any number of app
 * instances share one schedule. The row also keeps the last run's outcome for the pages.
 */
export const jobLeases = pgTable("job_leases", {
  name: text("name").primaryKey(),
  holder: text("holder"),
  leaseUntil: ts("lease_until"),
  /** Bumped on every acquisition: a holder whose lease was taken over cannot record its run. */
  fencingToken: integer("fencing_token").notNull().default(0),
  lastStartedAt: ts("last_started_at"),
  lastFinishedAt: ts("last_finished_at"),
  lastResult: jsonb("last_result").$type<Record<string, unknown>>(),
  lastError: text("last_error"),
});

export type JobLease = typeof jobLeases.$inferSelect;
