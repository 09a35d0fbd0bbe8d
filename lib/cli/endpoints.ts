import type { Command } from "commander";
import { resendDelivery } from "../outbound/deliver";
import { listDeliveries } from "../outbound/deliveries";
import {
  createEndpoint,
  disableEndpoint,
  enableEndpoint,
  getEndpoint,
  listEndpoints,
  rotateEndpointSecret,
} from "../outbound/endpoints";
import { adminContext, withDatabase } from "./database";
import { actorOption, jsonOption } from "./options";
import { emit, iso, table } from "./output";

/** "a,b , c" → ["a", "b", "c"]. */
function list(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `endpoints …`: outbound webhook endpoints (lib/outbound), on the same verbs as /settings/webhooks. */
export function registerEndpointCommands(program: Command): void {
  const endpoints = program.command("endpoints").description("outbound webhook endpoints");

  endpoints
    .command("create")
    .description("add an endpoint; prints its signing secret once")
    .requiredOption("--url <url>", "https URL that receives the signed POSTs")
    .requiredOption(
      "--events <types>",
      "comma-separated event types, e.g. payment.completed,subscription.expired",
    )
    .option("--description <text>")
    .addOption(actorOption())
    .addOption(jsonOption())
    .action((opts) =>
      withDatabase(async (handle) => {
        const ctx = await adminContext(handle, opts.actor);
        const { endpoint, secret } = await createEndpoint(ctx, {
          url: opts.url,
          eventTypes: list(opts.events),
          description: opts.description ?? null,
        });
        emit(opts.json, { id: endpoint.id, secret, url: endpoint.url, eventTypes: endpoint.eventTypes }, () =>
          [
            `Created endpoint ${endpoint.id} → ${endpoint.url}`,
            `events: ${endpoint.eventTypes.join(", ")}`,
            `Signing secret (shown once): ${secret}`,
          ].join("\n"),
        );
      }),
    );

  endpoints
    .command("list")
    .description("every endpoint, newest first, with its last delivery")
    .addOption(jsonOption())
    .action((opts) =>
      withDatabase(async (handle) => {
        const rows = await listEndpoints(handle.db);
        emit(opts.json, { endpoints: rows, count: rows.length }, () =>
          rows.length === 0
            ? "No endpoints."
            : table(
                ["id", "status", "url", "events", "created", "last delivery"],
                rows.map((e) => [
                  e.id,
                  e.status,
                  e.url,
                  e.eventTypes.join(","),
                  iso(e.createdAt),
                  e.lastDelivery
                    ? `${e.lastDelivery.status}${e.lastDelivery.lastStatusCode ? ` ${e.lastDelivery.lastStatusCode}` : ""} ${iso(e.lastDelivery.lastAttemptAt ?? e.lastDelivery.createdAt)}`
                    : "—",
                ]),
              ),
        );
      }),
    );

  endpoints
    .command("disable <endpointId>")
    .description("stop sending to an endpoint; its pending deliveries end as failed")
    .option("--reason <text>")
    .addOption(actorOption())
    .addOption(jsonOption())
    .action((endpointId: string, opts) =>
      withDatabase(async (handle) => {
        const ctx = await adminContext(handle, opts.actor);
        const result = await disableEndpoint(ctx, { endpointId, reason: opts.reason ?? null });
        emit(opts.json, result, () =>
          result.changed
            ? `Disabled endpoint ${result.endpoint.id}: ${result.endpoint.disabledReason}`
            : `Endpoint ${result.endpoint.id} is already disabled: nothing changed`,
        );
      }),
    );

  endpoints
    .command("enable <endpointId>")
    .description("send to a disabled endpoint again (new events only)")
    .addOption(actorOption())
    .addOption(jsonOption())
    .action((endpointId: string, opts) =>
      withDatabase(async (handle) => {
        const ctx = await adminContext(handle, opts.actor);
        const result = await enableEndpoint(ctx, { endpointId });
        emit(opts.json, result, () =>
          result.changed
            ? `Enabled endpoint ${result.endpoint.id}`
            : `Endpoint ${result.endpoint.id} is already enabled: nothing changed`,
        );
      }),
    );

  endpoints
    .command("rotate-secret <endpointId>")
    .description("a new signing secret, printed once; the old one also signs for 24 hours")
    .addOption(actorOption())
    .addOption(jsonOption())
    .action((endpointId: string, opts) =>
      withDatabase(async (handle) => {
        const ctx = await adminContext(handle, opts.actor);
        const result = await rotateEndpointSecret(ctx, { endpointId });
        emit(
          opts.json,
          {
            id: result.endpoint.id,
            secret: result.secret,
            previousSecretExpiresAt: result.previousSecretExpiresAt,
          },
          () =>
            [
              `New signing secret (shown once): ${result.secret}`,
              `The previous secret also signs until ${iso(result.previousSecretExpiresAt)}`,
            ].join("\n"),
        );
      }),
    );

  endpoints
    .command("deliveries <endpointId>")
    .description("an endpoint's delivery log, newest first")
    .option("--cursor <cursor>", "the next page's cursor, as printed")
    .addOption(jsonOption())
    .action((endpointId: string, opts) =>
      withDatabase(async (handle) => {
        const endpoint = await getEndpoint(handle.db, endpointId);
        const page = await listDeliveries(handle.db, endpoint.id, { cursor: opts.cursor ?? null });
        emit(opts.json, { endpoint, deliveries: page.rows, nextCursor: page.nextCursor }, () => {
          if (page.rows.length === 0) return `No deliveries to ${endpoint.url} yet.`;
          const lines = [
            table(
              ["id", "created", "event type", "event id", "status", "attempts", "code", "ms", "next attempt"],
              page.rows.map((d) => [
                d.id,
                iso(d.createdAt),
                d.eventType,
                d.eventId,
                d.status,
                String(d.attempts),
                d.lastStatusCode === null ? "—" : String(d.lastStatusCode),
                d.lastLatencyMs === null ? "—" : String(d.lastLatencyMs),
                iso(d.nextAttemptAt),
              ]),
            ),
          ];
          if (page.nextCursor) lines.push(`more: --cursor ${page.nextCursor}`);
          return lines.join("\n");
        });
      }),
    );

  endpoints
    .command("resend <deliveryId>")
    .description("attempt a delivery again now (audited as you)")
    .addOption(actorOption())
    .addOption(jsonOption())
    .action((deliveryId: string, opts) =>
      withDatabase(async (handle) => {
        const ctx = await adminContext(handle, opts.actor);
        const result = await resendDelivery(ctx, { deliveryId });
        emit(opts.json, result, () =>
          result.outcome === "succeeded"
            ? `Delivered (${result.statusCode})`
            : `Not delivered: ${result.error ?? `answered ${result.statusCode}`}; delivery is ${result.delivery.status}`,
        );
        if (result.outcome !== "succeeded") process.exitCode = 1;
      }),
    );
}
