import { zodResolver } from "@hookform/resolvers/zod";
import { createPaymentInput } from "@/lib/validation/payment";

/**
 * The new-payment form's validation: the server's own schema, run in the browser. Its own module
 * because zod and the schemas are the largest part of the page; the form fetches this when the
 * browser is idle after load, or at the first check if that comes sooner (new-payment-form.tsx).
 */
export const newPaymentResolver = zodResolver(createPaymentInput, undefined, { raw: true });
