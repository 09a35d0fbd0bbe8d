import { getCustomerEntitlements } from "../entitlements/query";
import { customerRef } from "../entitlements/resolve";
import { problem } from "../http/problem";
import { NO_STORE } from "./responses";
import { type ApiRequestContext, withApiKey } from "./route";
import type { CustomerEntitlementsBody } from "./schemas";

/** `GET /api/v1/customers/{ref}/entitlements`, behind an API key. */
export function getEntitlementsResponse(req: Request, ref: Promise<string>): Promise<Response> {
  // The key is checked first: without one, a caller learns nothing, not even that a ref is malformed.
  return withApiKey(req, async ({ db }: ApiRequestContext) => {
    const parsed = customerRef.safeParse(await ref);
    if (!parsed.success) {
      return problem(400, "Bad Request", parsed.error.issues[0]?.message ?? "Invalid customer reference");
    }
    const now = new Date();
    const found = await getCustomerEntitlements(db, parsed.data, now);
    if (!found) {
      return problem(404, "Not Found", "No customer has this id, email or external reference.");
    }
    const body: CustomerEntitlementsBody = {
      customer: { id: found.customer.id, externalRef: found.customer.externalRef },
      entitlements: found.entitlements.map((e) => ({
        plan: e.plan,
        status: e.status,
        validUntil: e.validUntil ? e.validUntil.toISOString() : null,
        trial: e.trial,
      })),
    };
    return Response.json(body, { headers: NO_STORE });
  });
}
