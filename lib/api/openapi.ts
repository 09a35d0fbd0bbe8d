import { z } from "zod";
import { DEFAULT_API_RATE_LIMIT_PER_MINUTE } from "../api-keys/rate-limit";
import { customerRef } from "../entitlements/resolve";
import { apiSchemas } from "./schemas";

type JsonObject = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** Named response schemas, generated from the zod schemas the handlers are typed with. */
function componentSchemas(): Record<string, JsonObject> {
  const { schemas } = z.toJSONSchema(apiSchemas, {
    uri: (id) => `#/components/schemas/${id}`,
    override: ({ jsonSchema }) => {
      // Fields may be added to a response without a new API version; clients ignore unknown ones.
      if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
    },
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema]),
  );
}

const problem = (description: string, headers?: JsonObject) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { "application/problem+json": { schema: ref("Problem") } },
});

/** The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json. */
export function openApiDocument(): JsonObject {
  const { $schema: _dialect, ...refSchema } = z.toJSONSchema(customerRef);
  return {
    openapi: "3.1.0",
    info: {
      title: "Paydesk API",
      version: "1.0.0",
      description:
        "Who has access to what. Every request carries an API key that an admin creates at " +
        "/settings/api-keys (or with `npm run cli -- api-keys create`). Errors are RFC 9457 " +
        "problem details.",
    },
    servers: [{ url: "/api/v1" }],
    security: [{ apiKey: [] }],
    paths: {
      "/customers/{ref}/entitlements": {
        get: {
          operationId: "getCustomerEntitlements",
          summary: "A customer's entitlements",
          description:
            "The customer's subscriptions as the customer page shows them. `ref` is the customer's " +
            "id, email (case-insensitive) or external reference; a uuid that is no customer's id, and " +
            "an email that is no customer's email, are tried as an external reference.",
          parameters: [
            {
              name: "ref",
              in: "path",
              required: true,
              description: "Customer id, email or external reference (URL-encoded)",
              schema: refSchema,
            },
          ],
          responses: {
            "200": {
              description: "The customer and one entitlement per subscription",
              headers: {
                "X-RateLimit-Limit": {
                  description: "Requests this key may make per minute",
                  schema: { type: "integer" },
                },
                "X-RateLimit-Remaining": {
                  description: "Requests left in the current minute",
                  schema: { type: "integer" },
                },
              },
              content: { "application/json": { schema: ref("CustomerEntitlements") } },
            },
            "400": problem("The reference is empty, too long or contains control characters"),
            "401": problem("No API key, or one that is unknown or revoked", {
              "WWW-Authenticate": { description: 'Bearer realm="paydesk"', schema: { type: "string" } },
            }),
            "404": problem("No customer has this id, email or external reference"),
            "429": problem(
              `The key has used its budget for the minute (default ${DEFAULT_API_RATE_LIMIT_PER_MINUTE})`,
              {
                "Retry-After": {
                  description: "Seconds until the key may try again",
                  schema: { type: "integer" },
                },
              },
            ),
            "500": problem("A fault on Paydesk's side; the detail carries a reference for its log"),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "pdk_…",
          description: "`Authorization: Bearer pdk_…`, an API key created by an admin",
        },
      },
      schemas: componentSchemas(),
    },
  };
}
