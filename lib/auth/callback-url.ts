const BASE = "http://paydesk.invalid";

/** A path this site serves, written so no browser can read it as another host. */
function isSamePath(path: string): boolean {
  return path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\");
}

/**
 * Where to go after signing in: only a path on this site. Anything else (another host,
 * `//evil.example`, `javascript:`) becomes the home page, so the form cannot be used as an
 * open redirect. The check runs on the normalised result too: `/.//evil.example` is a
 * same-origin path before normalisation and `//evil.example` (another host) after it.
 */
export function safeCallbackUrl(value: unknown): string {
  if (typeof value !== "string" || !isSamePath(value)) return "/";
  try {
    const url = new URL(value, BASE);
    if (url.origin !== BASE || url.pathname.startsWith("/login")) return "/";
    const normalised = `${url.pathname}${url.search}${url.hash}`;
    // What the browser will resolve: it must still be this site, by the same rules.
    if (!isSamePath(normalised) || new URL(normalised, BASE).origin !== BASE) return "/";
    return normalised;
  } catch {
    return "/";
  }
}
