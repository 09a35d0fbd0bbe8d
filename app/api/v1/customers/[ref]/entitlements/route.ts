import { getEntitlementsResponse } from "@/lib/api/entitlements";

// Authenticated by API key (lib/api/route.ts), not by a staff session; never cached.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(req: Request, context: { params: Promise<{ ref: string }> }): Promise<Response> {
  return getEntitlementsResponse(
    req,
    context.params.then((p) => p.ref),
  );
}
