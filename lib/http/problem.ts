/** RFC 9457 problem details: the error body of every route handler. */
export function problem(
  status: number,
  title: string,
  detail?: string,
  extra: Record<string, unknown> = {},
): Response {
  return Response.json(
    { type: "about:blank", title, status, ...(detail ? { detail } : {}), ...extra },
    { status, headers: { "content-type": "application/problem+json", "cache-control": "no-store" } },
  );
}
