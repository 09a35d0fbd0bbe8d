import postgres from "postgres";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { databaseUrl, TEMPLATE_DB, testDatabaseUrl } from "./db";

/** Builds one migrated template database; every test clones it (CREATE DATABASE … TEMPLATE). */
export default async function setup() {
  const base = testDatabaseUrl();
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    const leftovers = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like 'paydesk_t\\_%' or datname = ${TEMPLATE_DB}`;
    for (const { datname } of leftovers)
      await admin.unsafe(`drop database if exists "${datname}" with (force)`);
    await admin.unsafe(`create database "${TEMPLATE_DB}"`);
  } finally {
    await admin.end();
  }
  const handle = await openDatabase({ url: databaseUrl(base, TEMPLATE_DB), max: 1 });
  try {
    await migrateDatabase(handle);
  } finally {
    await handle.close();
  }
}
