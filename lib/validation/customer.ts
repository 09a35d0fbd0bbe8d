import { z } from "zod";
import { email, requiredText, text } from "./common";

export const createCustomerInput = z.object({
  email,
  name: requiredText("Name", 200),
  externalRef: text("External reference", 200).optional().nullable(),
});
export type CreateCustomerInput = z.input<typeof createCustomerInput>;
