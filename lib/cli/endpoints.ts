import type { Command } from "commander";

/** `endpoints create|list|disable|rotate`: outbound webhook endpoints (lib/outbound). */
export function registerEndpointCommands(program: Command): void {
  program.command("endpoints").description("outbound webhook endpoints");
}
