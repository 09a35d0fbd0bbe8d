import { afterEach, describe, expect, it, vi } from "vitest";
import { clientAddress } from "@/lib/auth/request";
import {
  forwardedHttps,
  ProxyTrustConfigError,
  parseProxyTrust,
  resolveClientAddress,
} from "@/lib/http/client-address";
import { PEER_HEADER, peerAddress, peerHeaderValue } from "@/lib/http/peer";

const NO_PROXY = parseProxyTrust(undefined, undefined);

describe("resolveClientAddress", () => {
  it("without a trusted proxy the socket's address wins over any X-Forwarded-For", () => {
    expect(resolveClientAddress("203.0.113.5", "185.71.76.10", NO_PROXY)).toBe("203.0.113.5");
    expect(resolveClientAddress("203.0.113.5", "1.1.1.1, 185.71.76.10", NO_PROXY)).toBe("203.0.113.5");
    // TRUSTED_PROXY_HOPS alone trusts no one: hops are counted only from listed proxies.
    expect(resolveClientAddress("203.0.113.5", "185.71.76.10", parseProxyTrust("", "3"))).toBe("203.0.113.5");
  });

  it("a peer that is not a listed proxy is the client, even with proxies configured", () => {
    const trust = parseProxyTrust("127.0.0.1", "1");
    expect(resolveClientAddress("198.51.100.20", "185.71.76.10", trust)).toBe("198.51.100.20");
  });

  it("a trusted proxy's hop is the client", () => {
    const trust = parseProxyTrust("127.0.0.1", "1");
    expect(resolveClientAddress("127.0.0.1", "198.51.100.7", trust)).toBe("198.51.100.7");
    // What the client wrote before nginx appended the real address proves nothing.
    expect(resolveClientAddress("127.0.0.1", "185.71.76.10, 198.51.100.7", trust)).toBe("198.51.100.7");
    // The default hop count with proxies listed is one.
    expect(
      resolveClientAddress(
        "::ffff:127.0.0.1",
        "1.1.1.1, 198.51.100.7",
        parseProxyTrust("127.0.0.1", undefined),
      ),
    ).toBe("198.51.100.7");
    // The proxy sent no X-Forwarded-For: the proxy itself is the client.
    expect(resolveClientAddress("127.0.0.1", null, trust)).toBe("127.0.0.1");
  });

  it("follows a chain of trusted hops right to left, for at most TRUSTED_PROXY_HOPS", () => {
    const trust = parseProxyTrust("10.0.0.0/8, 127.0.0.1", "2");
    // client → CDN (10.1.2.3) → nginx (127.0.0.1) → app
    expect(resolveClientAddress("127.0.0.1", "1.1.1.1, 198.51.100.7, 10.1.2.3", trust)).toBe("198.51.100.7");
    // Two hops only: a third trusted-looking entry is not followed further.
    expect(resolveClientAddress("127.0.0.1", "198.51.100.7, 10.9.9.9, 10.1.2.3", trust)).toBe("10.9.9.9");
    // IPv6 proxies and clients.
    const v6 = parseProxyTrust("fd00::/8", "1");
    expect(resolveClientAddress("fd00::1", "2001:db8::7", v6)).toBe("2001:db8::7");
  });

  it("stops at the first untrusted hop in the middle of the chain", () => {
    const trust = parseProxyTrust("10.0.0.0/8, 127.0.0.1", "2");
    // 203.0.113.50 is no proxy of ours: whatever it claims (the allowed YooKassa address) is ignored.
    expect(resolveClientAddress("127.0.0.1", "185.71.76.10, 203.0.113.50", trust)).toBe("203.0.113.50");
  });

  it("no peer, or a trusted proxy passing on garbage: unknown (null)", () => {
    const trust = parseProxyTrust("127.0.0.1", "1");
    expect(resolveClientAddress(null, "198.51.100.7", trust)).toBeNull();
    expect(resolveClientAddress(null, "198.51.100.7", NO_PROXY)).toBeNull();
    expect(resolveClientAddress("127.0.0.1", "not-an-address", trust)).toBeNull();
  });

  it("normalises IPv4-mapped IPv6", () => {
    expect(resolveClientAddress("::ffff:198.51.100.7", null, NO_PROXY)).toBe("198.51.100.7");
  });
});

describe("parseProxyTrust", () => {
  it("rejects what it cannot read, with the variable named", () => {
    expect(() => parseProxyTrust("127.0.0.1, nginx", undefined)).toThrow(ProxyTrustConfigError);
    expect(() => parseProxyTrust("10.0.0.0/33", undefined)).toThrow(/TRUSTED_PROXIES: "10.0.0.0\/33"/);
    expect(() => parseProxyTrust("127.0.0.1", "one")).toThrow(/TRUSTED_PROXY_HOPS/);
  });
});

describe("forwardedHttps", () => {
  it("believes X-Forwarded-Proto only from a trusted proxy", () => {
    const trust = parseProxyTrust("127.0.0.1", "1");
    expect(forwardedHttps("127.0.0.1", "https", trust)).toBe(true);
    expect(forwardedHttps("127.0.0.1", "http", trust)).toBe(false);
    expect(forwardedHttps("198.51.100.7", "https", trust)).toBe(false);
    expect(forwardedHttps("127.0.0.1", "https", NO_PROXY)).toBe(false);
  });
});

describe("clientAddress (request headers)", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("is the peer the server recorded, never X-Forwarded-For without a trusted proxy", () => {
    vi.stubEnv("TRUSTED_PROXIES", "");
    vi.stubEnv("TRUSTED_PROXY_HOPS", "0");
    const headers = new Headers({
      [PEER_HEADER]: peerHeaderValue("203.0.113.5"),
      "x-forwarded-for": "185.71.76.10",
    });
    expect(clientAddress(headers)).toBe("203.0.113.5");
  });

  it("follows the configured proxy", () => {
    vi.stubEnv("TRUSTED_PROXIES", "127.0.0.1");
    vi.stubEnv("TRUSTED_PROXY_HOPS", "1");
    const headers = new Headers({
      [PEER_HEADER]: peerHeaderValue("127.0.0.1"),
      "x-forwarded-for": "198.51.100.7",
    });
    expect(clientAddress(headers)).toBe("198.51.100.7");
  });

  it("without the server's peer header (next dev, a test calling a handler) the address is unknown", () => {
    expect(clientAddress(new Headers({ "x-forwarded-for": "185.71.76.10" }))).toBeNull();
    expect(clientAddress(new Headers({ "x-real-ip": "185.71.76.10" }))).toBeNull();
  });

  it("a peer header the client wrote itself is not believed", () => {
    peerHeaderValue("127.0.0.1"); // this process has a server token
    for (const forged of ["185.71.76.10", "x 185.71.76.10", `${"0".repeat(48)} 185.71.76.10`]) {
      const headers = new Headers({ [PEER_HEADER]: forged });
      expect(peerAddress(headers), forged).toBeNull();
      expect(clientAddress(headers), forged).toBeNull();
    }
  });
});
