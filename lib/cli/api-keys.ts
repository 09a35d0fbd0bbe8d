import type { Command } from "commander";

/** `api-keys create|list|revoke`: keys for /api/v1 (lib/api-keys). */
export function registerApiKeyCommands(program: Command): void {
  program.command("api-keys").description("API keys for /api/v1");
}
