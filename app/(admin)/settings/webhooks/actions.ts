"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/auth/action";
import { resendDelivery } from "@/lib/outbound/deliver";
import {
  createEndpoint,
  disableEndpoint,
  enableEndpoint,
  rotateEndpointSecret,
} from "@/lib/outbound/endpoints";
import {
  createEndpointInput,
  disableEndpointInput,
  endpointRefInput,
  resendDeliveryInput,
} from "@/lib/outbound/validation";

const PAGE = "/settings/webhooks";

export const createEndpointAction = defineAction({
  permission: "endpoint.manage",
  input: createEndpointInput,
  async run(ctx, _input, raw) {
    const { endpoint, secret } = await createEndpoint(ctx, raw);
    revalidatePath(PAGE);
    return { id: endpoint.id, url: endpoint.url, secret };
  },
});

export const disableEndpointAction = defineAction({
  permission: "endpoint.manage",
  input: disableEndpointInput,
  async run(ctx, _input, raw) {
    const result = await disableEndpoint(ctx, raw);
    revalidatePath(PAGE, "layout");
    return { id: result.endpoint.id, status: result.endpoint.status, changed: result.changed };
  },
});

export const enableEndpointAction = defineAction({
  permission: "endpoint.manage",
  input: endpointRefInput,
  async run(ctx, _input, raw) {
    const result = await enableEndpoint(ctx, raw);
    revalidatePath(PAGE, "layout");
    return { id: result.endpoint.id, status: result.endpoint.status, changed: result.changed };
  },
});

export const rotateEndpointSecretAction = defineAction({
  permission: "endpoint.manage",
  input: endpointRefInput,
  async run(ctx, _input, raw) {
    const result = await rotateEndpointSecret(ctx, raw);
    revalidatePath(PAGE, "layout");
    return {
      id: result.endpoint.id,
      secret: result.secret,
      previousSecretExpiresAt: result.previousSecretExpiresAt,
    };
  },
});

export const resendDeliveryAction = defineAction({
  permission: "endpoint.manage",
  input: resendDeliveryInput,
  async run(ctx, _input, raw) {
    const result = await resendDelivery(ctx, raw);
    revalidatePath(PAGE, "layout");
    return {
      id: result.delivery.id,
      status: result.delivery.status,
      outcome: result.outcome,
      statusCode: result.statusCode,
      error: result.error,
    };
  },
});
