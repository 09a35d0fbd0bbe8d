import type { LookupAddress } from "node:dns";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  blockedAddressReason,
  guardedLookup,
  type Resolve,
  TargetRefusedError,
  targetProblem,
  urlProblem,
} from "@/lib/outbound/address";

/** Addresses of every class that must never receive a webhook, with the reason given. */
const BLOCKED: [string, RegExp][] = [
  ["127.0.0.1", /loopback/],
  ["127.255.255.254", /loopback/],
  ["10.0.0.1", /private/],
  ["10.255.255.255", /private/],
  ["172.16.0.1", /private/],
  ["172.31.255.254", /private/],
  ["192.168.1.1", /private/],
  ["169.254.169.254", /link-local/],
  ["169.254.0.1", /link-local/],
  ["100.64.0.1", /carrier-grade NAT/],
  ["100.127.255.254", /carrier-grade NAT/],
  ["0.0.0.0", /unspecified/],
  ["0.1.2.3", /unspecified/],
  ["224.0.0.1", /multicast/],
  ["239.255.255.250", /multicast/],
  ["255.255.255.255", /broadcast/],
  ["::1", /loopback/],
  ["::", /unspecified/],
  ["fc00::1", /private/],
  ["fdff:ffff::1", /private/],
  ["fe80::1", /link-local/],
  ["febf::1", /link-local/],
  ["ff02::1", /multicast/],
  ["::ffff:127.0.0.1", /loopback/],
  ["::ffff:10.0.0.1", /private/],
  ["::ffff:169.254.169.254", /link-local/],
  ["::ffff:7f00:1", /loopback/],
];

const PUBLIC = [
  "8.8.8.8",
  "1.1.1.1",
  "172.32.0.1",
  "172.15.255.1",
  "100.128.0.1",
  "2001:4860:4860::8888",
  "::ffff:8.8.8.8",
];

function fakeResolve(answers: Record<string, string[]>): Resolve & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    const list = answers[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

describe("SSRF guard", () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.WEBHOOK_ALLOW_PRIVATE;
    delete process.env.WEBHOOK_ALLOW_PRIVATE;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.WEBHOOK_ALLOW_PRIVATE;
    else process.env.WEBHOOK_ALLOW_PRIVATE = saved;
  });

  it.each(BLOCKED)("refuses %s", (address, reason) => {
    expect(blockedAddressReason(address)).toMatch(reason);
  });

  it.each(PUBLIC)("allows the public address %s", (address) => {
    expect(blockedAddressReason(address)).toBeNull();
  });

  it.each(BLOCKED)("refuses a URL with the literal address %s", async (address) => {
    const host = address.includes(":") ? `[${address}]` : address;
    const problem = await targetProblem(`https://${host}:8443/hook`);
    expect(problem).toMatch(/only sent to public addresses/);
  });

  it("reads IPv4 in any notation the URL parser accepts", async () => {
    for (const url of [
      "https://2130706433/",
      "https://0x7f.1/",
      "https://0177.0.0.1/",
      "https://[::ffff:7f00:1]/",
    ]) {
      expect(urlProblem(url)).toMatch(/loopback/);
    }
    expect(urlProblem("https://169.254.169.254/latest/meta-data/")).toMatch(/link-local/);
  });

  it("refuses a host name that resolves to 127.0.0.1 (localhost, through the real resolver)", async () => {
    expect(await targetProblem("https://localhost/hook")).toMatch(
      /^localhost \((127\.0\.0\.1|::1)\) is a loopback/,
    );
  });

  it("refuses a name when any of its addresses is private, and accepts one that is all public", async () => {
    const resolve = fakeResolve({
      "mixed.example": ["93.184.215.14", "10.0.0.7"],
      "mapped.example": ["::ffff:192.168.0.1"],
      "public.example": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    });
    expect(await targetProblem("https://mixed.example/h", { resolve })).toBe(
      "mixed.example (10.0.0.7) is a private address: webhooks are only sent to public addresses",
    );
    expect(await targetProblem("https://mapped.example/h", { resolve })).toMatch(/private/);
    expect(await targetProblem("https://public.example/h", { resolve })).toBeNull();
    expect(await targetProblem("https://nowhere.example/h", { resolve })).toMatch(
      /Cannot resolve nowhere.example/,
    );
  });

  it("wants https, no credentials, and a URL at all", async () => {
    expect(await targetProblem("http://93.184.215.14/hook")).toBe("The URL must start with https://");
    expect(await targetProblem("ftp://93.184.215.14/hook")).toBe("The URL must start with https://");
    expect(await targetProblem("https://user:pw@93.184.215.14/")).toMatch(/user name or password/);
    expect(await targetProblem("not a url")).toMatch(/full URL/);
    expect(await targetProblem("https://93.184.215.14/hook")).toBeNull();
  });

  it("lets private targets and http through with WEBHOOK_ALLOW_PRIVATE=1 (and only then)", async () => {
    expect(await targetProblem("http://127.0.0.1:9999/hook")).not.toBeNull();
    process.env.WEBHOOK_ALLOW_PRIVATE = "1";
    expect(await targetProblem("http://127.0.0.1:9999/hook")).toBeNull();
    expect(await targetProblem("https://localhost/hook")).toBeNull();
    expect(await targetProblem("ftp://127.0.0.1/")).toBe("The URL must start with https://");
    process.env.WEBHOOK_ALLOW_PRIVATE = "true";
    expect(await targetProblem("http://127.0.0.1:9999/hook")).not.toBeNull();
    // An explicit option wins over the environment.
    expect(await targetProblem("https://10.0.0.1/", { allowPrivate: true })).toBeNull();
  });

  describe("guardedLookup (what the socket connects to)", () => {
    function lookup(
      fn: ReturnType<typeof guardedLookup>,
      host: string,
      all: boolean,
    ): Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }> {
      return new Promise((resolve) => {
        fn(host, { all }, (err, address, family) => resolve({ err, address, family }));
      });
    }

    it("hands over exactly the checked addresses", async () => {
      const resolve = fakeResolve({ "public.example": ["93.184.215.14", "2606:2800::1"] });
      const guarded = guardedLookup({ resolve, allowPrivate: false });
      expect(await lookup(guarded, "public.example", false)).toEqual({
        err: null,
        address: "93.184.215.14",
        family: 4,
      });
      expect((await lookup(guarded, "public.example", true)).address).toEqual([
        { address: "93.184.215.14", family: 4 },
        { address: "2606:2800::1", family: 6 },
      ]);
    });

    it("refuses a name whose answer now includes a private address (DNS rebinding)", async () => {
      const resolve = fakeResolve({ "rebind.example": ["93.184.215.14", "127.0.0.1"] });
      const result = await lookup(guardedLookup({ resolve, allowPrivate: false }), "rebind.example", true);
      expect(result.err).toBeInstanceOf(TargetRefusedError);
      expect(result.err?.message).toMatch(/rebind.example \(127.0.0.1\) is a loopback address/);
    });

    it("passes private answers through with allowPrivate, and reports unknown names", async () => {
      const resolve = fakeResolve({ "local.example": ["127.0.0.1"] });
      expect(
        (await lookup(guardedLookup({ resolve, allowPrivate: true }), "local.example", false)).address,
      ).toBe("127.0.0.1");
      const missing = await lookup(guardedLookup({ resolve, allowPrivate: true }), "gone.example", false);
      expect(missing.err?.code).toBe("ENOTFOUND");
    });
  });
});
