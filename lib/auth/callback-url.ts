/**
 * Where to go after signing in: only a path on this site. Anything else (another host,
 * `//evil.example`, `javascript:`) becomes the home page, so the form cannot be used as an
 * open redirect.
 */
export function safeCallbackUrl(value: unknown): string {
  if (
    typeof value !== "string" ||
    !value.startsWith("/") ||
    value.startsWith("//") ||
    value.startsWith("/\\")
  ) {
    return "/";
  }
  try {
    const url = new URL(value, "http://paydesk.invalid");
    if (url.origin !== "http://paydesk.invalid" || url.pathname.startsWith("/login")) return "/";
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return "/";
  }
}
