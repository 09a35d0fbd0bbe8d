/** Where the e2e server listens: a port of its own, so a dev server elsewhere is never touched. */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
export const E2E_BASE_URL = `http://127.0.0.1:${E2E_PORT}`;
