import { timestamp } from "drizzle-orm/pg-core";

// Millisecond precision matches JavaScript's Date, so a timestamp read back is
// byte-for-byte the one that was written (the audit hash chain depends on it).
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date", precision: 3 });
