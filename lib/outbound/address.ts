import dns from "node:dns";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * SSRF guard for outbound webhooks. An endpoint URL is typed by an admin, but the request is
 * made from inside Paydesk's network: without this, `https://169.254.169.254/…` or a name that
 * resolves to 127.0.0.1 would let anyone with an admin session probe internal services.
 * Only globally routable unicast addresses are allowed, unless WEBHOOK_ALLOW_PRIVATE=1 (local
 * development and tests with a receiver on 127.0.0.1).
 */

export interface ResolvedAddress {
  address: string;
  family: number;
}
/** Every address a host name resolves to (injectable: tests simulate DNS answers and rebinding). */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolve: Resolve = (hostname) =>
  dns.promises.lookup(hostname, { all: true, verbatim: true });

export interface TargetOptions {
  /** Defaults to WEBHOOK_ALLOW_PRIVATE=1, read at call time. */
  allowPrivate?: boolean;
  resolve?: Resolve;
}

export function allowPrivateTargets(): boolean {
  return process.env.WEBHOOK_ALLOW_PRIVATE === "1";
}

const RANGE_LABEL: Record<string, string> = {
  loopback: "loopback",
  private: "private",
  uniqueLocal: "private (unique local)",
  linkLocal: "link-local",
  carrierGradeNat: "carrier-grade NAT",
  unspecified: "unspecified",
  multicast: "multicast",
  broadcast: "broadcast",
};

/**
 * Why an IP address may not receive webhooks ("loopback", "private", …), or null when it is
 * public unicast. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is judged as the IPv4 address
 * it reaches. Anything ipaddr.js does not call `unicast` (reserved, NAT64, 6to4, Teredo…) is
 * refused too: those can also lead back into private networks.
 */
export function blockedAddressReason(address: string): string | null {
  if (!ipaddr.isValid(address)) return "not an IP address";
  let ip = ipaddr.parse(address);
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
    ip = (ip as ipaddr.IPv6).toIPv4Address();
  }
  const range = ip.range();
  if (range === "unicast") return null;
  return RANGE_LABEL[range] ?? `reserved (${range})`;
}

/** The host of a URL without IPv6 brackets, and whether it is an IP literal. */
function hostOf(url: URL): { host: string; literal: boolean } {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  // The URL parser already wrote any IPv4 form (2130706433, 0x7f.1) as four decimal parts.
  return { host, literal: ipaddr.IPv4.isValidFourPartDecimal(host) || ipaddr.IPv6.isValid(host) };
}

export class TargetRefusedError extends Error {
  override name = "TargetRefusedError";
  readonly code = "ERR_WEBHOOK_TARGET_REFUSED";
}

function refusal(host: string, address: string, reason: string): string {
  const where = host === address ? host : `${host} (${address})`;
  return `${where} is a ${reason} address: webhooks are only sent to public addresses`;
}

/**
 * What is wrong with a URL that can be told without DNS: not http(s), http without
 * WEBHOOK_ALLOW_PRIVATE, credentials in it, or an IP literal that is not public. Null when fine.
 */
export function urlProblem(raw: string, options: TargetOptions = {}): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Enter a full URL, e.g. https://example.com/webhooks";
  }
  const allowPrivate = options.allowPrivate ?? allowPrivateTargets();
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) {
    return "The URL must start with https://";
  }
  if (url.username || url.password) return "The URL must not contain a user name or password";
  if (!url.hostname) return "The URL has no host";
  if (allowPrivate) return null;
  const { host, literal } = hostOf(url);
  if (literal) {
    const reason = blockedAddressReason(host);
    if (reason) return refusal(host, host, reason);
  }
  return null;
}

/**
 * The full check at endpoint creation: `urlProblem`, then every address the host resolves to
 * must be public. (Delivery checks again, on the very addresses it connects to: `guardedLookup`.)
 */
export async function targetProblem(raw: string, options: TargetOptions = {}): Promise<string | null> {
  const problem = urlProblem(raw, options);
  if (problem) return problem;
  if (options.allowPrivate ?? allowPrivateTargets()) return null;
  const { host, literal } = hostOf(new URL(raw));
  if (literal) return null;
  let addresses: ResolvedAddress[];
  try {
    addresses = await (options.resolve ?? systemResolve)(host);
  } catch {
    return `Cannot resolve ${host}: check the host name`;
  }
  if (addresses.length === 0) return `Cannot resolve ${host}: check the host name`;
  for (const { address } of addresses) {
    const reason = blockedAddressReason(address);
    if (reason) return refusal(host, address, reason);
  }
  return null;
}

/**
 * A `lookup` for node:http(s) requests: resolves the name, refuses the connection when any
 * address is not public, and hands the socket exactly the addresses it checked. The check and
 * the connection use one DNS answer, so a name that answers a public address to a first query
 * and 127.0.0.1 to the next (DNS rebinding) cannot slip through.
 */
export function guardedLookup(options: TargetOptions = {}): LookupFunction {
  const allowPrivate = options.allowPrivate ?? allowPrivateTargets();
  const resolve = options.resolve ?? systemResolve;
  return (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (all) => {
        const wanted = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
        const addresses = wanted ? all.filter((a) => a.family === wanted) : all;
        const first = addresses[0];
        if (!first) {
          const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
          callback(err, "", 0);
          return;
        }
        if (!allowPrivate) {
          for (const { address } of all) {
            const reason = blockedAddressReason(address);
            if (reason) {
              callback(new TargetRefusedError(refusal(hostname, address, reason)), "", 0);
              return;
            }
          }
        }
        if (lookupOptions.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, "", 0),
    );
  };
}
