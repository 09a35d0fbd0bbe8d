import { type Address, type AddressRange, inAddressRanges, parseAddress, parseAddressRange } from "./address";

/**
 * Who may speak for the client: the proxies in front of the app (`TRUSTED_PROXIES`,
 * comma-separated addresses or CIDRs) and how many of them there are in a row
 * (`TRUSTED_PROXY_HOPS`; 1 when proxies are listed and the count is not given).
 */
export interface ProxyTrust {
  ranges: readonly AddressRange[];
  hops: number;
}

export class ProxyTrustConfigError extends Error {
  override name = "ProxyTrustConfigError";
}

/** Parses `TRUSTED_PROXIES` / `TRUSTED_PROXY_HOPS`; throws a clear error on anything invalid. */
export function parseProxyTrust(proxies: string | undefined, hops: string | undefined): ProxyTrust {
  const ranges: AddressRange[] = [];
  for (const item of (proxies ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const range = parseAddressRange(item);
    if (!range) throw new ProxyTrustConfigError(`TRUSTED_PROXIES: "${item}" is not an address or CIDR range`);
    ranges.push(range);
  }
  let hopCount = ranges.length > 0 ? 1 : 0;
  if (hops !== undefined && hops.trim() !== "") {
    if (!/^\d+$/.test(hops.trim())) {
      throw new ProxyTrustConfigError(`TRUSTED_PROXY_HOPS: "${hops}" is not a whole number of proxies`);
    }
    hopCount = Number(hops.trim());
  }
  return { ranges, hops: hopCount };
}

let cached: { key: string; trust: ProxyTrust } | null = null;

/**
 * The trust configured in the environment. The server checks it at start (and refuses to
 * start on a mistake); here an invalid setting trusts no proxy, which is the safe reading.
 */
export function proxyTrustFromEnv(env: NodeJS.ProcessEnv = process.env): ProxyTrust {
  const key = `${env.TRUSTED_PROXIES ?? ""}|${env.TRUSTED_PROXY_HOPS ?? ""}`;
  if (cached?.key === key) return cached.trust;
  let trust: ProxyTrust;
  try {
    trust = parseProxyTrust(env.TRUSTED_PROXIES, env.TRUSTED_PROXY_HOPS);
  } catch {
    trust = { ranges: [], hops: 0 };
  }
  cached = { key, trust };
  return trust;
}

export function isTrustedProxy(address: Address | null, trust: ProxyTrust): boolean {
  return inAddressRanges(address, trust.ranges);
}

function entries(forwardedFor: string | null): string[] {
  return (forwardedFor ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The client's address. It starts as the socket's peer; while the current address is a
 * trusted proxy and hops remain, the proxy's word (the next `X-Forwarded-For` entry from the
 * right, which that proxy appended) replaces it. Everything left of the first untrusted hop
 * was written by someone we do not trust and is ignored. Null when the peer is unknown or a
 * trusted proxy passed on something that is not an address.
 */
export function resolveClientAddress(
  peer: string | null,
  forwardedFor: string | null,
  trust: ProxyTrust,
): string | null {
  let current = parseAddress(peer);
  if (!current) return null;
  const hops = entries(forwardedFor);
  for (let used = 0; used < trust.hops && isTrustedProxy(current, trust); used++) {
    const next = hops.pop();
    // The proxy added nothing: it is itself the client (a health check from the proxy host).
    if (next === undefined) break;
    current = parseAddress(next);
    if (!current) return null;
  }
  return current.toString();
}

/**
 * Whether the client reached us over https: only a trusted proxy's `X-Forwarded-Proto`
 * (the right-most value, which that proxy set) is believed.
 */
export function forwardedHttps(
  peer: string | null,
  forwardedProto: string | null,
  trust: ProxyTrust,
): boolean {
  if (!isTrustedProxy(parseAddress(peer), trust) || trust.hops === 0) return false;
  const last = entries(forwardedProto).pop();
  return last?.toLowerCase() === "https";
}
