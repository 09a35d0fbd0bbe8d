import { integer, pgTable, text } from "drizzle-orm/pg-core";
import { ts } from "./columns";

/**
 * Counters for rate-limiter-flexible's Drizzle store (sign-in attempts per client address
 * and per unknown email). In the database so every app instance sees the same budget.
 */
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  points: integer("points").notNull().default(0),
  expire: ts("expire"),
});
