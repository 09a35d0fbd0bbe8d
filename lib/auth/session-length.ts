/** Sessions end 8 hours after sign-in, however active they are. */
export const SESSION_SECONDS = 8 * 60 * 60;
export const SESSION_MAX_MS = SESSION_SECONDS * 1000;
