/**
 * The file name offered for an audit export started at `at`: `paydesk-audit-20260102T030405Z.csv`.
 * Browser-safe: the server names its download with it, and the export button suggests it to the
 * save picker before the download starts.
 */
export function auditExportFileName(at: Date): string {
  return `paydesk-audit-${at
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "")}.csv`;
}
