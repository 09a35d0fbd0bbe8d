import path from "node:path";

export type Role = "admin" | "support" | "auditor";
export const ROLES: readonly Role[] = ["admin", "support", "auditor"];

/** The demo accounts seeded into the embedded database. */
export const DEMO_PASSWORD = process.env.DEMO_PASSWORD ?? "paydesk-demo";
export const demoEmail = (role: Role) => `${role}@paydesk.test`;

/** Saved sign-in of each role, written by auth.setup.ts (git-ignored). */
export const storageStateOf = (role: Role) => path.join(import.meta.dirname, "..", ".auth", `${role}.json`);
