import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { runMain } from "./run-main";

runMain(async () => {
  const handle = await openDatabase();
  try {
    await migrateDatabase(handle);
    console.log(
      `Migrations applied to ${handle.kind === "pglite" ? `embedded database ${handle.location}` : handle.location}`,
    );
  } finally {
    await handle.close();
  }
});
