import { type Command, Option } from "commander";
import { approvalStatuses } from "@/db/schema/approvals";
import { approveRequest, type DecisionResult, rejectRequest } from "../approvals/decide";
import { listRequests } from "../approvals/queries";
import { adminContext, withDatabase } from "./database";
import { actorOption, jsonOption } from "./options";
import { emit, iso, table } from "./output";

/** `approvals …`: four-eyes requests (lib/approvals), on the same verbs as /approvals. */
export function registerApprovalCommands(program: Command): void {
  const approvals = program.command("approvals").description("four-eyes approval requests");

  approvals
    .command("list")
    .description("requests, newest first")
    .addOption(new Option("--status <status>").choices(approvalStatuses))
    .addOption(jsonOption())
    .action((opts) =>
      withDatabase(async (handle) => {
        const rows = await listRequests(handle.db, { status: opts.status });
        const view = rows.map((r) => ({
          id: r.id,
          action: r.action,
          status: r.status,
          entityType: r.entityType,
          entityId: r.entityId,
          reason: r.reason,
          requestedBy: r.requesterEmail,
          requestedAt: r.requestedAt,
          expiresAt: r.expiresAt,
          decidedBy: r.deciderEmail,
          decidedAt: r.decidedAt,
          decisionReason: r.decisionReason,
          failure: r.failure,
          matchedRules: r.matchedRules,
          input: r.input,
          preview: r.preview,
          result: r.result,
        }));
        emit(opts.json, { requests: view, count: view.length }, () =>
          rows.length === 0
            ? "No approval requests."
            : table(
                ["id", "status", "action", "requested by", "requested", "expires", "decided by"],
                rows.map((r) => [
                  r.id,
                  r.status,
                  r.action,
                  r.requesterEmail,
                  iso(r.requestedAt),
                  iso(r.expiresAt),
                  r.deciderEmail ?? "—",
                ]),
              ),
        );
      }),
    );

  for (const [name, verb, done] of [
    ["approve", approveRequest, "Approved and applied"],
    ["reject", rejectRequest, "Rejected"],
  ] as const) {
    approvals
      .command(`${name} <id>`)
      .description(`${name} another admin's request (never your own)`)
      .requiredOption("--reason <text>", "why (kept in the audit log)")
      .addOption(actorOption())
      .addOption(jsonOption())
      .action((id: string, opts) =>
        withDatabase(async (handle) => {
          const ctx = await adminContext(handle, opts.actor);
          const decision: DecisionResult = await verb(ctx, { id, reason: opts.reason });
          const { request } = decision;
          // A provider refund's outcome is known only after the approval committed.
          const result = request.result ? { ...(request.result as object), ...decision.followUp } : null;
          emit(
            opts.json,
            { id: request.id, status: request.status, result, decidedAt: request.decidedAt },
            () =>
              `${done}: request ${request.id} (${request.action})${result ? `\n${JSON.stringify(result)}` : ""}`,
          );
        }),
      );
  }
}
