import { describe, expect, it } from "vitest";
import { lastJson, oneLineError, useCliProcess } from "../support/cli";

/** `approvals …` and held `payments create` end to end, as a separate process against a database of its own. */
describe("CLI: approvals", () => {
  const { cli } = useCliProcess("paydesk-approvals-cli-", { timeout: 120_000 });
  const ROOT = ["--actor", "root@paydesk.test"];
  const SECOND = ["--actor", "second@paydesk.test"];

  it("holds a large payment, refuses the requester's own approval, applies another admin's once, rejects", async () => {
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
    const second = await cli([
      "staff",
      "create",
      "--email",
      "second@paydesk.test",
      "--name",
      "Second",
      "--role",
      "admin",
      ...ROOT,
    ]);
    expect(second.code).toBe(0);
    expect(
      (await cli(["customers", "create", "--email", "anna@example.com", "--name", "Anna", ...ROOT])).code,
    ).toBe(0);

    const large = [
      "payments",
      "create",
      "--customer",
      "anna@example.com",
      "--amount",
      "15000.00",
      "--currency",
      "RUB",
      "--status",
      "succeeded",
      "--reason",
      "Annual contract",
    ];
    const held = await cli([...large, ...ROOT, "--json"]);
    expect(held.stderr).toBe("");
    expect(held.code).toBe(0);
    const { approvalRequestId, status } = lastJson(held.stdout) as {
      approvalRequestId: string;
      status: string;
    };
    expect(status).toBe("awaiting_approval");
    expect(approvalRequestId).toMatch(/^[0-9a-f-]{36}$/);

    const listed = await cli(["approvals", "list", "--status", "pending", "--json"]);
    expect(listed.code).toBe(0);
    expect(lastJson(listed.stdout)).toMatchObject({
      count: 1,
      requests: [
        {
          id: approvalRequestId,
          status: "pending",
          action: "payment.create",
          requestedBy: "root@paydesk.test",
        },
      ],
    });

    const own = await cli(["approvals", "approve", approvalRequestId, "--reason", "Mine is fine", ...ROOT]);
    oneLineError(own, /different admin/);
    expect(own.code).toBe(4);
    oneLineError(
      await cli(["approvals", "reject", approvalRequestId, "--reason", "Withdraw", ...ROOT]),
      /different admin/,
    );

    const approved = await cli([
      "approvals",
      "approve",
      approvalRequestId,
      "--reason",
      "Contract checked",
      ...SECOND,
      "--json",
    ]);
    expect(approved.stderr).toBe("");
    expect(approved.code).toBe(0);
    const out = lastJson(approved.stdout) as { status: string; result: { paymentId: string } };
    expect(out.status).toBe("approved");
    const shown = await cli(["payments", "show", out.result.paymentId, "--json"]);
    expect(shown.code).toBe(0);
    expect(lastJson(shown.stdout)).toMatchObject({ amountMinor: "1500000", status: "succeeded" });
    oneLineError(
      await cli(["approvals", "approve", approvalRequestId, "--reason", "Again", ...SECOND]),
      /already approved/,
    );

    const again = lastJson((await cli([...large, ...ROOT, "--json"])).stdout) as {
      approvalRequestId: string;
    };
    const noReason = await cli(["approvals", "reject", again.approvalRequestId, ...SECOND]);
    expect(noReason.code).toBe(2);
    const rejected = await cli([
      "approvals",
      "reject",
      again.approvalRequestId,
      "--reason",
      "No contract",
      ...SECOND,
      "--json",
    ]);
    expect(rejected.code).toBe(0);
    expect(lastJson(rejected.stdout)).toMatchObject({ status: "rejected" });
    const history = await cli(["approvals", "list", "--json"]);
    expect(
      (lastJson(history.stdout) as { requests: { status: string }[] }).requests.map((r) => r.status),
    ).toEqual(["rejected", "approved"]);
  }, 300_000);
});
