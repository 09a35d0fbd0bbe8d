/**
 * Test helper run as a child process: opens the embedded database in a data directory
 * (taking its lock), migrates it, writes one customer, prints `ready <pid>` and holds
 * the database until its stdin closes, then closes cleanly and prints `closed`.
 *
 *   tsx tests/support/hold-embedded-db.ts <dataDir> <customer email>
 */
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { customers } from "@/db/schema";

const [dataDir, email] = process.argv.slice(2);
if (!dataDir || !email) {
  console.error("usage: hold-embedded-db.ts <dataDir> <customer email>");
  process.exit(2);
}

const handle = await openDatabase({ dataDir });
await migrateDatabase(handle);
await handle.db.insert(customers).values({ email, name: "Written by the holder" });
process.stdout.write(`ready ${process.pid}\n`);

let closing = false;
const finish = async () => {
  if (closing) return;
  closing = true;
  await handle.close();
  process.stdout.write("closed\n");
  process.exit(0);
};
process.stdin.on("end", finish);
process.stdin.on("close", finish);
process.stdin.resume();
