import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { seedDatabase } from "../seed/seed";
import { runMain } from "./run-main";

runMain(async () => {
  const handle = await openDatabase();
  try {
    await migrateDatabase(handle);
    const started = Date.now();
    const result = await seedDatabase(handle);
    console.log(`Plans: ${result.plans} added (the standard plans are always present).`);
    if (!result.demo) console.log("Demo data: not requested (set SEED_DEMO=1 to add it to this database).");
    else if (!result.demo.seeded) console.log("Demo data: the database is already in use, nothing added.");
    else
      console.log(
        `Demo data: ${result.demo.customers} customers, ${result.demo.payments} payments seeded in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
      );
  } finally {
    await handle.close();
  }
});
