import { type AuditExport, auditExportStream, startAuditExport } from "@/lib/audit/export";
import { auditExportFileName } from "@/lib/audit/export-file-name";
import { appDb } from "@/lib/auth/current";
import { requestMetaFrom } from "@/lib/auth/request";
import { authorizeRoute } from "@/lib/auth/route";
import type { ServiceContext } from "@/lib/context";
import { isServiceError } from "@/lib/errors";
import { problem } from "@/lib/http/problem";
import { requestLogger } from "@/lib/log";
import { parseAuditListQuery } from "@/lib/validation/audit-list";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * `GET /audit/export?<the /audit page's filters>`: the matching entries as a streamed CSV file
 * (lib/audit/export.ts). Invalid filter values are dropped by the shared parser, as on the page.
 */
export async function GET(request: Request): Promise<Response> {
  const authorization = await authorizeRoute("audit.export");
  if (!authorization.ok) return authorization.response;
  const { id, email, name, role } = authorization.actor;
  const meta = requestMetaFrom(request.headers);
  const query = parseAuditListQuery(new URL(request.url).searchParams);

  let exp: AuditExport;
  try {
    const ctx: ServiceContext = {
      db: await appDb(),
      actor: { type: "staff", id, email, name, role },
      via: "web",
      ...meta,
    };
    exp = await startAuditExport(ctx, query);
  } catch (err) {
    if (isServiceError(err) && err.code === "forbidden") return problem(403, "Forbidden", err.message);
    requestLogger(meta.requestId).error({ err }, "audit export failed to start");
    return problem(
      500,
      "Export failed",
      `The export could not be started; nothing was sent. Reference: ${meta.requestId}.`,
    );
  }

  // Once the headers are out, a failure can only cut the body short: the client sees an
  // incomplete download rather than a file that looks whole.
  const body = auditExportStream(exp, (err) => {
    requestLogger(meta.requestId).error(
      { err, exportId: exp.entryId, rows: exp.rowCount },
      "audit export failed midway",
    );
  });
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${auditExportFileName(exp.startedAt)}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-request-id": meta.requestId,
    },
  });
}
