import ipaddr from "ipaddr.js";

/**
 * IP addresses and ranges as Paydesk's settings and sockets write them: the one parser behind
 * the trusted proxies (lib/http/client-address.ts) and YooKassa's notification allow-list
 * (lib/providers/yookassa/config.ts), so both read an address the same way.
 */

export type Address = ipaddr.IPv4 | ipaddr.IPv6;
/** A network and its prefix length. */
export type AddressRange = [Address, number];

/**
 * An address as a socket or a proxy writes it: IPv4, IPv6, IPv4-mapped IPv6
 * (`::ffff:192.0.2.1`, what Node reports on a dual-stack socket; read as the IPv4 address),
 * bracketed IPv6, either with a port. Null for anything else; IPv4 must be four decimal parts
 * (ipaddr.js would also read "3221225985" or octal).
 */
export function parseAddress(text: string | null | undefined): Address | null {
  if (!text) return null;
  let s = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed?.[1]) s = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(":"));
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return ipaddr.IPv4.parse(s);
  // ipaddr.js reads "::a.b.c.d" (IPv4-compatible, deprecated) as if it were mapped; it is not.
  if (/^::(\d{1,3}\.){3}\d{1,3}$/.test(s)) return null;
  if (!ipaddr.IPv6.isValid(s)) return null;
  const v6 = ipaddr.IPv6.parse(s);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/** One entry of an address list setting: a CIDR range, or a single address. Null if neither. */
export function parseAddressRange(entry: string): AddressRange | null {
  if (entry.includes("/")) return ipaddr.isValidCIDR(entry) ? ipaddr.parseCIDR(entry) : null;
  const address = parseAddress(entry);
  return address ? [address, address.kind() === "ipv4" ? 32 : 128] : null;
}

/** Whether the address falls inside one of the ranges, in either IP family. */
export function inAddressRanges(address: Address | null, ranges: readonly AddressRange[]): boolean {
  if (!address) return false;
  return ranges.some(([network, bits]) => {
    if (address.kind() === network.kind()) return address.match(network, bits);
    // An IPv4 address against a range written as IPv4-mapped IPv6 (::ffff:a.b.c.d/n).
    if (address.kind() === "ipv4" && network.kind() === "ipv6") {
      return (address as ipaddr.IPv4).toIPv4MappedAddress().match(network, bits);
    }
    return false;
  });
}
