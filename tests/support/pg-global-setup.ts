import postgres from "postgres";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { databaseUrl, templateDb, testDatabaseUrl } from "./db";

/** Builds one migrated template database; every test clones it (CREATE DATABASE … TEMPLATE). */
export default async function setup() {
  const run = String(process.pid);
  process.env.PAYDESK_PG_RUN = run;
  const template = templateDb(run);
  const base = testDatabaseUrl();
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    // Databases left by runs that died without cleaning up; live runs' databases are theirs.
    const leftovers = await admin<{ datname: string }[]>`
      select datname from pg_database
      where datname like 'paydesk\_t\_%' or datname like 'paydesk\_tpl\_%' or datname = 'paydesk_test_template'`;
    for (const { datname } of leftovers) {
      const owner = /^paydesk_(?:t|tpl)_(\d+)/.exec(datname)?.[1];
      if (owner && owner !== run && isAlive(Number(owner))) continue;
      await admin.unsafe(`drop database if exists "${datname}" with (force)`);
    }
    await admin.unsafe(`create database "${template}"`);
  } finally {
    await admin.end();
  }
  const handle = await openDatabase({ url: databaseUrl(base, template), max: 1 });
  try {
    await migrateDatabase(handle);
  } finally {
    await handle.close();
  }
  return async () => {
    const cleanup = postgres(base, { max: 1, onnotice: () => {} });
    try {
      await cleanup.unsafe(`drop database if exists "${template}" with (force)`);
    } finally {
      await cleanup.end();
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
