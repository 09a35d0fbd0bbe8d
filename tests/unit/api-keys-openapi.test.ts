import { describe, expect, it } from "vitest";
import { GET } from "@/app/api/v1/openapi.json/route";
import { subscriptionStatuses } from "@/db/schema/enums";
import { customerEntitlementsSchema, entitlementSchema, problemSchema } from "@/lib/api/schemas";

// biome-ignore lint/suspicious/noExplicitAny: the test walks a parsed JSON document by its keys
type Json = Record<string, any>;

async function document(): Promise<Json> {
  const res = GET();
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return JSON.parse(await res.text()) as Json;
}

/** Every `$ref` in the document, wherever it is. */
function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refs(n, out);
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

function resolve(doc: Json, ref: string): Json {
  expect(ref.startsWith("#/")).toBe(true);
  let node: unknown = doc;
  for (const part of ref.slice(2).split("/")) node = (node as Json)?.[part];
  expect(node, ref).toBeTruthy();
  return node as Json;
}

describe("GET /api/v1/openapi.json", () => {
  it("is an OpenAPI 3.1 document naming the entitlements path and the bearer scheme", async () => {
    const doc = await document();
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.servers).toEqual([{ url: "/api/v1" }]);

    const op = doc.paths["/customers/{ref}/entitlements"]?.get;
    expect(op).toBeDefined();
    expect(op.parameters).toEqual([
      expect.objectContaining({
        name: "ref",
        in: "path",
        required: true,
        schema: expect.objectContaining({ type: "string", maxLength: 254 }),
      }),
    ]);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.security).toEqual([{ apiKey: [] }]);

    expect(Object.keys(op.responses).sort()).toEqual(["200", "400", "401", "404", "429", "500"]);
    expect(op.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/CustomerEntitlements",
    });
    for (const code of ["400", "401", "404", "429", "500"]) {
      expect(op.responses[code].content["application/problem+json"].schema).toEqual({
        $ref: "#/components/schemas/Problem",
      });
    }
    expect(op.responses["401"].headers).toHaveProperty("WWW-Authenticate");
    expect(op.responses["429"].headers).toHaveProperty("Retry-After");
    // Every reference points at something in the document.
    for (const ref of refs(doc)) resolve(doc, ref);
  });

  it("describes the bodies with the very zod schemas the handlers are typed with", async () => {
    const schemas = (await document()).components.schemas as Json;
    expect(Object.keys(schemas).sort()).toEqual(["CustomerEntitlements", "Entitlement", "Problem"]);

    const ent = schemas.Entitlement;
    expect(Object.keys(ent.properties).sort()).toEqual(Object.keys(entitlementSchema.shape).sort());
    expect(ent.required.sort()).toEqual(["plan", "status", "trial", "validUntil"]);
    expect(ent.properties.status.enum).toEqual([...subscriptionStatuses]);
    expect(ent.properties.trial.type).toBe("boolean");
    const validUntil = ent.properties.validUntil.anyOf as Json[];
    expect(validUntil).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "string", format: "date-time" }),
        { type: "null" },
      ]),
    );

    const body = schemas.CustomerEntitlements;
    expect(Object.keys(body.properties).sort()).toEqual(Object.keys(customerEntitlementsSchema.shape).sort());
    expect(body.properties.entitlements.items).toEqual({ $ref: "#/components/schemas/Entitlement" });
    expect(Object.keys(body.properties.customer.properties).sort()).toEqual(["externalRef", "id"]);

    expect(schemas.Problem.required.sort()).toEqual(
      Object.entries(problemSchema.shape)
        .filter(([, s]) => !s.safeParse(undefined).success)
        .map(([k]) => k)
        .sort(),
    );
    // Plain JSON: no zod-only keywords or dialect markers left in the components.
    const text = JSON.stringify(schemas);
    expect(text).not.toContain("$schema");
    expect(text).not.toContain('"$id"');
  });

  it("needs no key and is the same document every time", async () => {
    expect(JSON.stringify(await document())).toBe(JSON.stringify(await document()));
  });
});
