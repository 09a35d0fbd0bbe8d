import type http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { clientAddress } from "@/lib/auth/request";
import { PEER_HEADER, peerAddress } from "@/lib/http/peer";
import { createPeerServer } from "@/lib/http/server";

/**
 * The custom server (lib/http/server.ts) over a handler that reads the request the way a
 * Next route handler does (a Headers object built from the parsed headers): real HTTP
 * requests from 127.0.0.1 that claim other addresses.
 */
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = createPeerServer((req, res) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const rawPeers = req.rawHeaders.filter(
      (_, i) => i % 2 === 0 && req.rawHeaders[i]!.toLowerCase() === PEER_HEADER,
    );
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        peer: peerAddress(headers),
        client: clientAddress(headers),
        rawPeers: rawPeers.length,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function ask(headers: Record<string, string>) {
  const res = await fetch(`${base}/anything`, { headers });
  return (await res.json()) as { peer: string | null; client: string | null; rawPeers: number };
}

describe("custom server: the socket address reaches the handler", () => {
  it("overwrites a client-sent peer header and ignores X-Forwarded-For without a trusted proxy", async () => {
    vi.stubEnv("TRUSTED_PROXIES", "");
    vi.stubEnv("TRUSTED_PROXY_HOPS", "0");
    const seen = await ask({ [PEER_HEADER]: "185.71.76.10", "x-forwarded-for": "185.71.76.10" });
    expect(seen).toEqual({ peer: "127.0.0.1", client: "127.0.0.1", rawPeers: 1 });
  });

  it("a forged peer header in the server's own format is replaced too", async () => {
    const seen = await ask({ [PEER_HEADER]: `${"a".repeat(48)} 185.71.76.10` });
    expect(seen.peer).toBe("127.0.0.1");
    expect(seen.client).toBe("127.0.0.1");
  });

  it("behind a trusted proxy (the peer), the proxy's hop is the client", async () => {
    vi.stubEnv("TRUSTED_PROXIES", "127.0.0.1");
    vi.stubEnv("TRUSTED_PROXY_HOPS", "1");
    const seen = await ask({ "x-forwarded-for": "185.71.76.10, 198.51.100.7" });
    expect(seen).toEqual({ peer: "127.0.0.1", client: "198.51.100.7", rawPeers: 1 });
  });

  it("a handler that throws answers 500 without taking the server down", async () => {
    const failing = createPeerServer(() => {
      throw new Error("boom");
    });
    vi.spyOn(console, "error").mockImplementation(() => {});
    await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(failing.address() as AddressInfo).port}/`);
      expect(res.status).toBe(500);
    } finally {
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }
  });
});
