import type { Command } from "commander";
import { createApiKey } from "../api-keys/create";
import { listApiKeys } from "../api-keys/list";
import { revokeApiKey } from "../api-keys/revoke";
import { adminContext, withDatabase } from "./database";
import { actorOption, jsonOption } from "./options";
import { emit, iso, table } from "./output";

/** `api-keys create|list|revoke`: keys for /api/v1 (lib/api-keys). */
export function registerApiKeyCommands(program: Command): void {
  const keys = program.command("api-keys").description("API keys for /api/v1");

  keys
    .command("create")
    .description("create a key; it is printed once and only its hash is kept")
    .requiredOption("--name <name>", "what the key is for, e.g. cinema-site production")
    .addOption(actorOption())
    .addOption(jsonOption())
    .action((opts) =>
      withDatabase(async (handle) => {
        const ctx = await adminContext(handle, opts.actor);
        const created = await createApiKey(ctx, { name: opts.name });
        emit(
          opts.json,
          { id: created.id, key: created.key, name: created.name, prefix: created.prefix },
          () =>
            [
              `Created API key "${created.name}" (${created.id})`,
              `Key (shown once, store it now): ${created.key}`,
            ].join("\n"),
        );
      }),
    );

  keys
    .command("list")
    .description("every key, newest first, revoked ones included")
    .addOption(jsonOption())
    .action((opts) =>
      withDatabase(async (handle) => {
        const rows = await listApiKeys(handle.db);
        emit(opts.json, { apiKeys: rows, count: rows.length }, () =>
          rows.length === 0
            ? "No API keys."
            : table(
                ["id", "name", "prefix", "created", "by", "last used", "uses", "status"],
                rows.map((k) => [
                  k.id,
                  k.name,
                  `${k.prefix}…`,
                  iso(k.createdAt),
                  k.createdBy ?? "—",
                  iso(k.lastUsedAt),
                  String(k.useCount),
                  k.revokedAt ? `revoked ${iso(k.revokedAt)}` : "active",
                ]),
              ),
        );
      }),
    );

  keys
    .command("revoke <id>")
    .description("revoke a key for good: the next request with it gets 401")
    .addOption(actorOption())
    .addOption(jsonOption())
    .action((id: string, opts) =>
      withDatabase(async (handle) => {
        const ctx = await adminContext(handle, opts.actor);
        const result = await revokeApiKey(ctx, { apiKeyId: id });
        emit(opts.json, result, () =>
          result.changed
            ? `Revoked API key "${result.name}" (${result.prefix}…)`
            : `API key "${result.name}" was already revoked on ${iso(result.revokedAt)}: nothing changed`,
        );
      }),
    );
}
