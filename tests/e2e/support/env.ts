/** Where the e2e server listens: a port of its own, so a dev server elsewhere is never touched. */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
export const E2E_BASE_URL = `http://127.0.0.1:${E2E_PORT}`;
/** The e2e server's Stripe webhook signing secret: specs sign deliveries with it (test value only). */
export const E2E_STRIPE_WEBHOOK_SECRET = "whsec_paydesk_e2e_0123456789abcdef";
