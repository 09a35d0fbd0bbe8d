import { openApiDocument } from "@/lib/api/openapi";

// Public, like any API description: it holds no data, and it is the same for every request.
export const dynamic = "force-static";

export function GET(): Response {
  return Response.json(openApiDocument(), { headers: { "cache-control": "public, max-age=300" } });
}
