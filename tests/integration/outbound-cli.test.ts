import { describe, expect, it } from "vitest";
import { type CliResult, lastJson, useCliProcess } from "../support/cli";

const URL = "https://93.184.215.14/hooks/paydesk";

/** `endpoints …` end to end, as a separate process against a database of its own. */
describe("CLI: endpoints", () => {
  const { cli } = useCliProcess("paydesk-endpoints-cli-", {
    env: { WEBHOOK_ALLOW_PRIVATE: "" },
    timeout: 120_000,
  });

  /** A refusal: one line on stderr, nothing on stdout, the given exit code. */
  function expectRefusal(result: CliResult, code: number, message: RegExp) {
    expect(result.code).toBe(code);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stderr).toMatch(message);
  }

  const ADMIN = ["--actor", "root@paydesk.test"];

  it("creates, lists, disables, rotates and enables endpoints; refuses bad input in one line", async () => {
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
    expect(boot.code).toBe(0);

    const created = await cli([
      "endpoints",
      "create",
      "--url",
      URL,
      "--events",
      "payment.completed, customer.created",
      "--description",
      "The cinema",
      ...ADMIN,
      "--json",
    ]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const { id, secret } = lastJson(created.stdout) as { id: string; secret: string };
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(lastJson(created.stdout)).toMatchObject({ eventTypes: ["payment.completed", "customer.created"] });

    const listed = await cli(["endpoints", "list", "--json"]);
    expect(listed.code).toBe(0);
    expect(lastJson(listed.stdout)).toMatchObject({
      count: 1,
      endpoints: [{ id, url: URL, status: "enabled", description: "The cinema", lastDelivery: null }],
    });
    // The secret is shown once, at creation, and never again.
    expect(listed.stdout).not.toContain("whsec_");

    expectRefusal(
      await cli(["endpoints", "create", "--url", URL, "--events", "payment.exploded", ...ADMIN]),
      2,
      /Unknown event type: payment\.exploded/,
    );
    expectRefusal(
      await cli([
        "endpoints",
        "create",
        "--url",
        "https://127.0.0.1/hook",
        "--events",
        "payment.completed",
        ...ADMIN,
      ]),
      2,
      /127\.0\.0\.1 is a loopback address/,
    );
    expectRefusal(
      await cli([
        "endpoints",
        "create",
        "--url",
        "http://93.184.215.14/",
        "--events",
        "payment.completed",
        ...ADMIN,
      ]),
      2,
      /must start with https/,
    );
    expectRefusal(await cli(["endpoints", "disable", id]), 1, /--actor/);
    expectRefusal(
      await cli(["endpoints", "disable", "00000000-0000-4000-8000-000000000000", ...ADMIN]),
      3,
      /No webhook endpoint/,
    );

    const disabled = await cli(["endpoints", "disable", id, "--reason", "moving house", ...ADMIN]);
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toBe(`Disabled endpoint ${id}: moving house\n`);
    const table = await cli(["endpoints", "list"]);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+disabled\\s+${URL.replaceAll(".", "\\.")}`));

    const rotated = await cli(["endpoints", "rotate-secret", id, ...ADMIN, "--json"]);
    expect(rotated.code).toBe(0);
    const next = lastJson(rotated.stdout);
    expect(next.secret).toMatch(/^whsec_/);
    expect(next.secret).not.toBe(secret);

    const enabled = await cli(["endpoints", "enable", id, ...ADMIN, "--json"]);
    expect(lastJson(enabled.stdout)).toMatchObject({ changed: true, endpoint: { id, status: "enabled" } });

    const deliveries = await cli(["endpoints", "deliveries", id, "--json"]);
    expect(lastJson(deliveries.stdout)).toMatchObject({ deliveries: [], nextCursor: null });
    expect(deliveries.stdout).not.toContain("whsec_");
  }, 600_000);
});
