import { count, eq } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createEndpointAction,
  disableEndpointAction,
  enableEndpointAction,
  resendDeliveryAction,
  rotateEndpointSecretAction,
} from "@/app/(admin)/settings/webhooks/actions";
import { auditLog, webhookDeliveries, webhookDeliveryAttempts, webhookEndpoints } from "@/db/schema";
import type { StaffRole } from "@/db/schema/enums";
import type { ActionResult } from "@/lib/auth/action";
import { emitEvent } from "@/lib/events/emit";
import { createEndpoint, disableEndpoint } from "@/lib/outbound/endpoints";
import { runOutboundOnce } from "@/lib/outbound/loop";
import { resetActionSession, signInAs, useActionDb } from "../support/action-session";
import { freshDatabase, type TestDatabase } from "../support/db";
import { ctxFor, insertStaff } from "../support/fixtures";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";

// The request seams of a server action (who is signed in, Next's cache); the rest is real.
vi.mock("@/lib/auth/current", async () => (await import("../support/action-session")).currentModuleMock);
vi.mock("next/cache", () => ({ revalidatePath: vi.fn(), revalidateTag: vi.fn() }));

type AnyAction = (raw: never) => Promise<ActionResult<unknown>>;

/** Per ARCHITECTURE.md's role table: only admins manage outbound endpoints. */
const ALLOWED: Record<StaffRole, boolean> = { admin: true, support: false, auditor: false };

describe("outbound webhook actions, per role", () => {
  let t: TestDatabase;
  let receiver: WebhookReceiver;
  const users = {} as Record<StaffRole, { id: string }>;
  let savedAllow: string | undefined;

  beforeAll(async () => {
    savedAllow = process.env.WEBHOOK_ALLOW_PRIVATE;
    process.env.WEBHOOK_ALLOW_PRIVATE = "1";
    t = await freshDatabase();
    receiver = await startWebhookReceiver(() => ({ status: 200, body: "ok" }));
    for (const role of ["admin", "support", "auditor"] as const) users[role] = await insertStaff(t.db, role);
  });
  afterAll(async () => {
    resetActionSession();
    await receiver.close();
    await t.close();
    if (savedAllow === undefined) delete process.env.WEBHOOK_ALLOW_PRIVATE;
    else process.env.WEBHOOK_ALLOW_PRIVATE = savedAllow;
  });
  beforeEach(() => useActionDb(t.db));

  const adminCtx = () =>
    ctxFor(t.db, { type: "staff", id: users.admin.id, email: "a@x", name: "A", role: "admin" });

  /** An endpoint (enabled or not) with one delivery, made through the service as the admin. */
  async function setup(disabled = false) {
    const { endpoint } = await createEndpoint(adminCtx(), {
      url: `${receiver.origin}/hook`,
      eventTypes: ["customer.created"],
    });
    await t.db.transaction((tx) =>
      emitEvent(tx, {
        type: "customer.created",
        aggregateType: "test",
        aggregateId: endpoint.id,
        payload: {},
        at: new Date(),
      }),
    );
    await runOutboundOnce(t.db, { deliveryLimit: 0 });
    const [delivery] = await t.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, endpoint.id));
    if (disabled) await disableEndpoint(adminCtx(), { endpointId: endpoint.id });
    return { endpointId: endpoint.id, deliveryId: delivery!.id };
  }

  async function state() {
    const n = async (table: PgTable) => {
      const [row] = await t.db.select({ n: count() }).from(table);
      return row?.n ?? 0;
    };
    return {
      endpoints: await n(webhookEndpoints),
      deliveries: await n(webhookDeliveries),
      attempts: await n(webhookDeliveryAttempts),
      audit: await n(auditLog),
      rows: JSON.stringify(await t.db.select().from(webhookEndpoints).orderBy(webhookEndpoints.id)),
      deliveryRows: JSON.stringify(await t.db.select().from(webhookDeliveries).orderBy(webhookDeliveries.id)),
    };
  }

  const ACTIONS: {
    name: string;
    action: AnyAction;
    input: (s: { endpointId: string; deliveryId: string }) => unknown;
    disabled?: boolean;
    data: (s: { endpointId: string; deliveryId: string }) => unknown;
  }[] = [
    {
      name: "createEndpointAction",
      action: createEndpointAction as AnyAction,
      input: () => ({ url: `${receiver.origin}/new`, eventTypes: ["payment.completed"], description: "n" }),
      data: () => ({ secret: expect.stringMatching(/^whsec_/), url: `${receiver.origin}/new` }),
    },
    {
      name: "disableEndpointAction",
      action: disableEndpointAction as AnyAction,
      input: (s) => ({ endpointId: s.endpointId, reason: "test" }),
      data: (s) => ({ id: s.endpointId, status: "disabled", changed: true }),
    },
    {
      name: "enableEndpointAction",
      action: enableEndpointAction as AnyAction,
      disabled: true,
      input: (s) => ({ endpointId: s.endpointId }),
      data: (s) => ({ id: s.endpointId, status: "enabled", changed: true }),
    },
    {
      name: "rotateEndpointSecretAction",
      action: rotateEndpointSecretAction as AnyAction,
      input: (s) => ({ endpointId: s.endpointId }),
      data: (s) => ({ id: s.endpointId, secret: expect.stringMatching(/^whsec_/) }),
    },
    {
      name: "resendDeliveryAction",
      action: resendDeliveryAction as AnyAction,
      input: (s) => ({ deliveryId: s.deliveryId }),
      data: (s) => ({ id: s.deliveryId, status: "succeeded", outcome: "succeeded", statusCode: 200 }),
    },
  ];

  for (const spec of ACTIONS) {
    for (const role of ["admin", "support", "auditor"] as const) {
      it(`${spec.name} as ${role}: ${ALLOWED[role] ? "allowed" : "refused, nothing written"}`, async () => {
        const s = await setup(spec.disabled);
        const before = await state();
        signInAs(users[role].id);
        const result = await spec.action(spec.input(s) as never);
        if (ALLOWED[role]) {
          expect(result, JSON.stringify(result)).toMatchObject({ ok: true, data: spec.data(s) });
          expect((await state()).audit).toBeGreaterThan(before.audit);
        } else {
          expect(result).toMatchObject({ ok: false, code: "forbidden" });
          expect((result as { message: string }).message).toMatch(
            new RegExp(`\\(${role}\\) is not allowed to manage outbound webhook endpoints`),
          );
          expect(await state()).toEqual(before);
        }
      });
    }
  }

  it("signed out: refused, nothing written", async () => {
    const s = await setup();
    const before = await state();
    signInAs(null);
    for (const spec of ACTIONS) {
      expect(await spec.action(spec.input(s) as never)).toMatchObject({ ok: false, code: "unauthenticated" });
    }
    expect(await state()).toEqual(before);
  });

  it("a bad create comes back as field errors for the form", async () => {
    signInAs(users.admin.id);
    const result = await createEndpointAction({ url: "nope", eventTypes: [] });
    expect(result).toMatchObject({ ok: false, code: "validation" });
    if (result.ok) return;
    expect(result.fieldErrors.url).toBeDefined();
    expect(result.fieldErrors.eventTypes).toEqual(["Choose at least one event type"]);
  });
});
