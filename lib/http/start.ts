/**
 * `npm start` (and `npm run dev` with `--dev`): Paydesk's HTTP server, lib/http/server.ts.
 * `PORT` (default 3000) and `HOSTNAME` (default: every interface) as with `next start`.
 */
import { startPaydeskServer } from "./server";

const dev = process.argv.includes("--dev");
// Next reads NODE_ENV while loading; set it before it is imported.
(process.env as Record<string, string>).NODE_ENV = dev ? "development" : "production";

const port = Number.parseInt(process.env.PORT || "3000", 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, not "${process.env.PORT}"`);
  process.exit(1);
}

try {
  const { url } = await startPaydeskServer({ dev, port, hostname: process.env.HOSTNAME || undefined });
  console.log(`Paydesk ${dev ? "(dev) " : ""}listening on ${url}`);
} catch (err) {
  console.error(`Paydesk could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
