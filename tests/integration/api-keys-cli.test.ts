import { describe, expect, it } from "vitest";
import { lastJson, oneLineError, useCliProcess } from "../support/cli";

/** `api-keys create|list|revoke` end to end, as a separate process on a database of its own. */
describe("CLI: api-keys", () => {
  const { cli } = useCliProcess("paydesk-cli-keys-");

  const ADMIN = ["--actor", "root@paydesk.test"];

  // ~20 CLI processes, each opening and migrating the database: minutes, not seconds.
  it("creates a key shown once, lists it without the key, revokes it, and refuses what it should", {
    timeout: 420_000,
  }, async () => {
    const boot = await cli(
      [
        "staff",
        "create",
        "--email",
        "root@paydesk.test",
        "--name",
        "Root",
        "--role",
        "admin",
        "--password-stdin",
      ],
      "a-long-enough-password\n",
    );
    expect(boot.code, boot.stderr).toBe(0);

    const created = await cli(["api-keys", "create", "--name", "Cinema site", ...ADMIN, "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const key = lastJson(created.stdout);
    expect(key).toMatchObject({
      id: expect.any(String),
      key: expect.stringMatching(/^pdk_[A-Za-z0-9_-]{43}$/),
    });
    const secret = key.key as string;

    const human = await cli(["api-keys", "create", "--name", "CRM", ...ADMIN]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      /^Created API key "CRM" \(.+\)\nKey \(shown once, store it now\): pdk_\S{43}\n$/,
    );

    const listed = await cli(["api-keys", "list", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    const list = lastJson(listed.stdout) as { apiKeys: Record<string, unknown>[]; count: number };
    expect(list.count).toBe(2);
    expect(list.apiKeys.find((k) => k.id === key.id)).toMatchObject({
      name: "Cinema site",
      prefix: secret.slice(0, 10),
      createdBy: "root@paydesk.test",
      useCount: 0,
      lastUsedAt: null,
      revokedAt: null,
    });
    // Listing shows neither the key nor its hash.
    expect(listed.stdout).not.toContain(secret);
    expect(listed.stdout).not.toMatch(/[0-9a-f]{64}/);
    const table = await cli(["api-keys", "list"]);
    expect(table.stdout).toContain(`${secret.slice(0, 10)}…`);
    expect(table.stdout).not.toContain(secret);

    const revoked = await cli(["api-keys", "revoke", key.id as string, ...ADMIN]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain('Revoked API key "Cinema site"');
    const again = await cli(["api-keys", "revoke", key.id as string, ...ADMIN, "--json"]);
    expect(again.code).toBe(0);
    expect(lastJson(again.stdout)).toMatchObject({ id: key.id, changed: false });
    const after = lastJson((await cli(["api-keys", "list", "--json"])).stdout) as typeof list;
    expect(after.apiKeys.find((k) => k.id === key.id)?.revokedAt).toEqual(expect.any(String));

    // Refusals: one line each, non-zero exit, nothing created.
    oneLineError(await cli(["api-keys", "create", "--name", "No actor"]), /--actor/);
    const empty = await cli(["api-keys", "create", "--name", "  ", ...ADMIN]);
    oneLineError(empty, /Name is required/);
    expect(empty.code).toBe(2);
    oneLineError(await cli(["api-keys", "create", "--name", "x".repeat(101), ...ADMIN]), /at most 100/);
    const support = await cli([
      "staff",
      "create",
      "--email",
      "help@paydesk.test",
      "--name",
      "Help",
      "--role",
      "support",
      ...ADMIN,
    ]);
    expect(support.code, support.stderr).toBe(0);
    const refused = await cli(["api-keys", "create", "--name", "Sneaky", "--actor", "help@paydesk.test"]);
    oneLineError(refused, /not an admin/);
    expect(refused.code).toBe(4);
    const badId = await cli(["api-keys", "revoke", "not-an-id", ...ADMIN]);
    oneLineError(badId, /Not a valid id/);
    const unknown = await cli(["api-keys", "revoke", "00000000-0000-4000-8000-000000000000", ...ADMIN]);
    oneLineError(unknown, /No API key/);
    expect(unknown.code).toBe(3);
    expect((lastJson((await cli(["api-keys", "list", "--json"])).stdout) as typeof list).count).toBe(2);
  });
});
