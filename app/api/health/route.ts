import { sql } from "drizzle-orm";
import { getDatabase } from "@/db/runtime";

export const dynamic = "force-dynamic";

/** Liveness and database reachability, for load balancers and the README's smoke check. */
export async function GET() {
  const started = performance.now();
  try {
    const { db, kind } = await getDatabase();
    await db.execute(sql`select 1`);
    return Response.json(
      { status: "ok", database: kind, latencyMs: Math.round((performance.now() - started) * 10) / 10 },
      { headers: { "cache-control": "no-store" } },
    );
  } catch (err) {
    console.error("health check failed:", (err as Error).message);
    return Response.json(
      {
        type: "about:blank",
        title: "Database unavailable",
        status: 503,
        detail: (err as Error).message.split("\n")[0],
      },
      { status: 503, headers: { "content-type": "application/problem+json", "cache-control": "no-store" } },
    );
  }
}
