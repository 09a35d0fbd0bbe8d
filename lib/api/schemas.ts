import { z } from "zod";
import { subscriptionStatuses } from "@/db/schema/enums";

/** The named schemas of the OpenAPI document's `components.schemas`, by id. */
export const apiSchemas = z.registry<{ id: string }>();

/**
 * The /api/v1 response bodies. The route handlers type their answers with these and the
 * OpenAPI document is generated from them (`z.toJSONSchema`), so the two cannot drift.
 */

export const entitlementSchema = z
  .object({
    plan: z.string().describe("The plan's code, e.g. `premium`"),
    status: z.enum(subscriptionStatuses).describe("`trialing`, `active` and `past_due` grant access"),
    validUntil: z.iso
      .datetime({ offset: true })
      .nullable()
      .describe(
        "When the current period ends (for `expired`: when it ended), ISO 8601 in UTC. " +
          "Nullable for states without an end date; every subscription has one today.",
      ),
    trial: z.boolean().describe("The access is a free trial: no paid period is running"),
  })
  .register(apiSchemas, { id: "Entitlement" });

export const customerEntitlementsSchema = z
  .object({
    customer: z.object({
      id: z.uuid().describe("Paydesk's id of the customer"),
      externalRef: z.string().nullable().describe("The customer's id in your product, if recorded"),
    }),
    entitlements: z
      .array(entitlementSchema)
      .describe("One per subscription the customer has had, by plan code; empty when none"),
  })
  .register(apiSchemas, { id: "CustomerEntitlements" });

export type CustomerEntitlementsBody = z.output<typeof customerEntitlementsSchema>;

/** RFC 9457 problem details, the body of every error (`application/problem+json`). */
export const problemSchema = z
  .object({
    type: z.string().describe("`about:blank`: the status code says what happened"),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
  })
  .register(apiSchemas, { id: "Problem" });
