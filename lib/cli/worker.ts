import { getDatabase } from "@/db/runtime";
import { startBackgroundWork } from "../jobs/background";

/**
 * `npm run worker`: the app's background loops without serving HTTP, for deployments that run
 * them apart (start the web instances with PAYDESK_BACKGROUND=0). Same database selection and
 * migrations as the app. On the embedded database only one process can open it, so there the
 * app runs them itself.
 */
async function main() {
  const handle = await getDatabase();
  startBackgroundWork(handle.db);
  console.log(JSON.stringify({ level: "info", msg: "paydesk worker started", database: handle.kind }));
  // getDatabase closes the database and exits on SIGTERM/SIGINT. The loops' timers are
  // unref'd; this keeps the process alive until then.
  setInterval(() => {}, 1 << 30);
}

main().catch((err) => {
  console.error(`paydesk worker: ${(err as Error).message}`);
  process.exit(1);
});
