import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { safeCallbackUrl } from "@/lib/auth/callback-url";

// What a browser does with a Location header relative to this site.
const SITE = "https://paydesk.example";
function resolvesOnSite(location: string): boolean {
  return new URL(location, SITE).origin === SITE;
}

describe("safeCallbackUrl against hostile callback URLs", () => {
  it.each([
    "/.//evil.example/x",
    "/./\\evil.example",
    "/.\\/evil.example",
    "/./\\/evil.example",
    "/a/..//evil.example",
    "/a/../\\evil.example",
    "/%2e//evil.example",
    "/%2E/%2e//evil.example",
    "/././/evil.example",
    "/.//evil.example?x=1#y",
    "/\t.//evil.example",
    "/.\n//evil.example",
    "/./\t/evil.example",
  ])("%j normalises to another host: refused", (value) => {
    expect(safeCallbackUrl(value)).toBe("/");
  });

  it.each([
    ["/payments/./abc", "/payments/abc"],
    ["/payments/x/../abc?q=1", "/payments/abc?q=1"],
    ["/customers#top", "/customers#top"],
  ])("%j is a path on this site → %j", (value, expected) => {
    expect(safeCallbackUrl(value)).toBe(expected);
  });

  // Pieces that parsers treat specially, stitched together at random.
  const piece = fc.constantFrom(
    "/",
    "//",
    "\\",
    "/\\",
    ".",
    "..",
    "./",
    "../",
    "%2e",
    "%2E",
    "%2f",
    "%5c",
    "\t",
    "\n",
    "\r",
    " ",
    "@",
    ":",
    "?",
    "#",
    "evil.example",
    "http:",
    "javascript:",
    "payments",
    "login",
  );
  const hostile = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(""));

  it("whatever it is given, the answer is a single-slash path that stays on the site", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostile,
          hostile.map((s) => `/${s}`),
          fc.string(),
          fc.webUrl(),
        ),
        (value) => {
          const out = safeCallbackUrl(value);
          expect(out.startsWith("/")).toBe(true);
          expect(out.startsWith("//")).toBe(false);
          expect(out.startsWith("/\\")).toBe(false);
          expect(resolvesOnSite(out)).toBe(true);
          expect(new URL(out, SITE).pathname.startsWith("//")).toBe(false);
          // Stable: the answer checked again is the same answer.
          expect(safeCallbackUrl(out)).toBe(out);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});
