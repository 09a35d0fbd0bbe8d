import { unstable_rethrow } from "next/navigation";
import type { z } from "zod";
import type { Db } from "@/db/client";
import type { ServiceContext } from "../context";
import { isServiceError, type ServiceErrorCode } from "../errors";
import { requestLogger } from "../log";
import { fieldErrorsOf } from "../validation/common";
import { appDb, currentActor } from "./current";
import { type Permission, permissionLabels, roleCan } from "./permissions";
import { currentRequestMeta } from "./request";

export type ActionErrorCode = ServiceErrorCode | "unauthenticated" | "internal";

export type ActionResult<T> =
  | { ok: true; data: T }
  | { ok: false; code: ActionErrorCode; message: string; fieldErrors: Record<string, string[]> };

export interface ActionDefinition<S extends z.ZodType, T> {
  permission: Permission;
  input: S;
  /**
   * Calls the service verb. Gets the raw input too: verbs parse it again with the same
   * shared schema, and a schema's transformed output is not always valid input.
   */
  run: (ctx: ServiceContext, input: z.output<S>, raw: z.input<S>) => Promise<T>;
  /** Only for choosing one's own password: every other action waits until that is done. */
  allowWithOneTimePassword?: boolean;
  /** Only for enrolling one's own second factor, which a role may require before anything else. */
  allowBeforeTwoFactorEnrolment?: boolean;
}

const MESSAGES: Partial<Record<ActionErrorCode | "mustChangePassword" | "mustEnrolTwoFactor", string>> = {
  unauthenticated: "Your session has ended. Sign in again to continue.",
  validation: "Some fields need attention.",
  mustChangePassword: "Choose your own password first: a one-time password allows nothing else.",
  mustEnrolTwoFactor: "Set up two-factor sign-in first: your role requires it before anything else.",
};

/**
 * The one way a server action is written: session → permission → zod → service verb →
 * typed result. Nothing a user sends becomes an exception in the browser: every refusal
 * is a result the form can show.
 */
export function defineAction<S extends z.ZodType, T>(definition: ActionDefinition<S, T>) {
  return async (raw: z.input<S>): Promise<ActionResult<T>> => {
    const meta = await currentRequestMeta();
    try {
      const actor = await currentActor();
      if (!actor) return failure("unauthenticated", MESSAGES.unauthenticated!);
      if (actor.mustChangePassword && !definition.allowWithOneTimePassword) {
        return failure("forbidden", MESSAGES.mustChangePassword!);
      }
      if (actor.mustEnrolTwoFactor && !definition.allowBeforeTwoFactorEnrolment) {
        return failure("forbidden", MESSAGES.mustEnrolTwoFactor!);
      }
      if (!roleCan(actor.role, definition.permission)) {
        return failure(
          "forbidden",
          `Your role (${actor.role}) is not allowed to ${permissionLabels[definition.permission]}.`,
        );
      }
      const parsed = definition.input.safeParse(raw);
      if (!parsed.success) {
        const fieldErrors = fieldErrorsOf(parsed.error);
        return failure("validation", firstMessage(fieldErrors) ?? MESSAGES.validation!, fieldErrors);
      }
      const db: Db = await appDb();
      const ctx: ServiceContext = { db, actor, via: "web", ...meta };
      const data = await definition.run(ctx, parsed.data, raw);
      return { ok: true, data };
    } catch (err) {
      unstable_rethrow(err);
      if (isServiceError(err)) return failure(err.code, err.message, err.fieldErrors);
      requestLogger(meta.requestId).error({ err, permission: definition.permission }, "action failed");
      return failure(
        "internal",
        `Something went wrong on our side and nothing was saved. Reference: ${meta.requestId}.`,
      );
    }
  };
}

function failure(
  code: ActionErrorCode,
  message: string,
  fieldErrors: Record<string, string[]> = {},
): ActionResult<never> {
  return { ok: false, code, message, fieldErrors };
}

function firstMessage(fieldErrors: Record<string, string[]>): string | undefined {
  const entries = Object.values(fieldErrors);
  return entries.length === 1 ? entries[0]?.[0] : undefined;
}
