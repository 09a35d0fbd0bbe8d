import { diffJson } from "@/lib/audit/diff";
import { cn } from "@/lib/utils";

function show(value: unknown): string {
  if (value === undefined) return "—";
  if (value === null) return "null";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/**
 * An entry's before → after, one line per changed field (nested fields as dotted paths), the
 * same reading as the payment timeline: a creation lists what it set, a removal what it cleared.
 */
export function AuditDiff({
  before,
  after,
  className,
}: {
  before: unknown;
  after: unknown;
  className?: string;
}) {
  const changes = diffJson(before, after);
  if (changes.length === 0) {
    return (
      <p className={cn("text-sm text-muted-foreground", className)} data-testid="audit-diff">
        {before == null && after == null ? "No before or after recorded." : "No field changed."}
      </p>
    );
  }
  const created = before == null;
  return (
    <table
      className={cn("w-full table-fixed border-collapse font-mono text-xs", className)}
      data-testid="audit-diff"
    >
      <caption className="sr-only">{created ? "Values set" : "Changes, before and after"}</caption>
      <thead className="text-left text-muted-foreground">
        <tr>
          <th scope="col" className="w-1/4 py-1 pr-3 font-medium">
            Field
          </th>
          {created ? null : (
            <th scope="col" className="py-1 pr-3 font-medium">
              Before
            </th>
          )}
          <th scope="col" className="py-1 font-medium">
            {created ? "Value" : "After"}
          </th>
        </tr>
      </thead>
      <tbody>
        {changes.map((change) => (
          <tr key={change.path} className="border-t align-top" data-testid="audit-diff-change">
            <th scope="row" className="break-all py-1 pr-3 text-left font-normal text-muted-foreground">
              {change.path || "(value)"}
            </th>
            {created ? null : (
              <td className="break-all py-1 pr-3">
                {change.before === undefined ? (
                  <span className="text-muted-foreground">—</span>
                ) : (
                  <del className="text-danger-soft-foreground decoration-1">{show(change.before)}</del>
                )}
              </td>
            )}
            <td className="break-all py-1">
              {change.after === undefined ? (
                <span className="text-muted-foreground">(removed)</span>
              ) : (
                <ins className="text-success-soft-foreground no-underline">{show(change.after)}</ins>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
