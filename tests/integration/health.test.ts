import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DatabaseHandle } from "@/db/client";
import type { SessionActor } from "@/lib/auth/session";

vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);
// The signed session cookie, consulted only when the database cannot say who is asking.
const session = vi.hoisted(() => ({ role: null as string | null }));
vi.mock("@/lib/auth/next-auth", () => ({
  auth: async () => (session.role ? { user: { id: "u", role: session.role } } : null),
}));

const { GET } = await import("@/app/api/health/route");
const { actAs, resetActionSession, signInAs } = await import("../support/action-session");

/**
 * /api/health when the database is down: the error text (hosts, roles, paths) only for a
 * signed-in admin; anyone else learns the status and "the database is unavailable".
 */
const globalForDb = globalThis as unknown as { __paydeskDb?: Promise<DatabaseHandle> };
const SECRET_TEXT = 'password authentication failed for user "paydesk_app" at db.internal.example:5432';

const admin: SessionActor = {
  type: "staff",
  id: "00000000-0000-4000-8000-000000000001",
  email: "admin@example.com",
  name: "Admin",
  role: "admin",
  mustChangePassword: false,
};

beforeEach(() => {
  const down = Promise.reject(
    new Error(`${SECRET_TEXT}\n    at Connection.parseE (node_modules/postgres/…)`),
  );
  down.catch(() => {});
  globalForDb.__paydeskDb = down;
  vi.spyOn(console, "error").mockImplementation(() => {});
  session.role = null;
});
afterEach(() => {
  globalForDb.__paydeskDb = undefined;
  resetActionSession();
  vi.restoreAllMocks();
});

async function health() {
  const res = await GET();
  return {
    status: res.status,
    body: (await res.json()) as { title: string; detail?: string; status: number },
  };
}

describe("/api/health with the database down", () => {
  it("tells an anonymous caller only that the database is unavailable", async () => {
    actAs(null);
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body).toEqual({
      type: "about:blank",
      title: "Database unavailable",
      status: 503,
      detail: "The database is unavailable.",
    });
    expect(JSON.stringify(body)).not.toContain("paydesk_app");
  });

  it("tells support and auditors no more than anyone else", async () => {
    for (const role of ["support", "auditor"] as const) {
      actAs({ ...admin, role });
      expect((await health()).body.detail, role).toBe("The database is unavailable.");
    }
  });

  it("gives a signed-in admin the error's first line", async () => {
    actAs(admin);
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.detail).toBe(SECRET_TEXT);
  });

  it("knows an admin by the signed session when the database cannot say", async () => {
    signInAs(admin.id); // the account lookup fails: no database
    session.role = "admin";
    expect((await health()).body.detail).toBe(SECRET_TEXT);
    session.role = "support";
    expect((await health()).body.detail).toBe("The database is unavailable.");
  });
});
