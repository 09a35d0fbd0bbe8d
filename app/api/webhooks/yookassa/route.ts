import { getDatabase } from "@/db/runtime";
import { receiveYooKassaNotification } from "@/lib/providers/yookassa/receive";

export const dynamic = "force-dynamic";

/** YooKassa notifications: allowed source (+ optional HMAC) → stored once → applied as the API confirms. */
export async function POST(req: Request): Promise<Response> {
  return receiveYooKassaNotification(req, { database: async () => (await getDatabase()).db });
}
