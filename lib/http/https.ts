import { forwardedHttps, proxyTrustFromEnv } from "./client-address";
import { peerAddress } from "./peer";

/**
 * Whether the browser reached us over https: `PAYDESK_HTTPS=1` says so for every request
 * (https terminated in front of the app by something that does not say so), otherwise only a
 * trusted proxy's `X-Forwarded-Proto` counts (lib/http/client-address.ts).
 */
export function isHttpsRequest(headers: Headers, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.PAYDESK_HTTPS === "1") return true;
  return forwardedHttps(peerAddress(headers), headers.get("x-forwarded-proto"), proxyTrustFromEnv(env));
}
