import { PgTransaction } from "drizzle-orm/pg-core";
import type { Db, Tx } from "./client";

/**
 * Runs `fn` in the caller's transaction when `db` is one, else in a transaction of its own.
 *
 * Joining adds no savepoint (two statements a time on the hot path of every provider webhook):
 * an error anywhere then fails the caller's whole transaction. Only for verbs whose callers
 * treat any error as the failure of the whole, never catching one to carry on.
 */
export function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db instanceof PgTransaction ? fn(db as unknown as Tx) : db.transaction(fn);
}
