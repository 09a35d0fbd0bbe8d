import fs from "node:fs";
import { parse } from "csv-parse/sync";
import { AUDIT_CSV_COLUMNS, auditCsvCast, type CsvCell } from "@/lib/audit/csv";
import { verifyAuditExport } from "@/lib/audit/verify-export";
import { AuditPage } from "./pages/audit.page";
import { createPaidCustomer } from "./support/admin-api";
import { asRole, expect, test } from "./support/fixtures";
import { demoEmail } from "./support/roles";

const column = (name: (typeof AUDIT_CSV_COLUMNS)[number]) => AUDIT_CSV_COLUMNS.indexOf(name);

// Journey 11: the auditor narrows the trail to one person's payment creations, reads a diff,
// and downloads exactly those entries as CSV, which verify against their own hash columns.
test.describe("auditor reads and exports the audit log", () => {
  test.use(asRole("auditor"));

  test("filters by actor and action, opens a diff, exports matching rows that verify", async ({ page }) => {
    // A reason a spreadsheet would run as a formula: the export must neutralise it.
    const paid = await createPaidCustomer("audited", "=SUM(A1:A9) paid by transfer");
    const audit = new AuditPage(page);
    await audit.goto();
    await expect(audit.exportButton).toBeVisible();

    await audit.filterByActor(demoEmail("admin"));
    await audit.filterByAction("payment.create");
    await expect(audit.rows.first()).toBeVisible();
    const rows = await audit.rows.all();
    for (const row of rows) {
      await expect(row).toContainText("payment.create");
      await expect(row).toContainText(demoEmail("admin"));
    }

    // Newest first: the payment just created is on top.
    const top = audit.rows.first();
    await expect(top).toContainText(paid.paymentId.slice(0, 8));
    const toggle = audit.toggle(top);
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-expanded", "true");
    const detail = page.getByTestId("audit-entry-detail");
    await expect(detail).toBeVisible();
    await expect(detail.getByTestId("audit-diff")).toBeVisible();
    await expect(detail.getByTestId("audit-diff-change").first()).toBeVisible();
    await expect(detail).toContainText("599");

    // The file the user picks, stood in for by one that keeps what is written to it: a real
    // picker is a native dialog Playwright cannot answer.
    await page.evaluate(() => {
      const file = { writes: 0, chunks: [] as number[][], closed: false, aborted: false, suggestedName: "" };
      (window as unknown as { __exportFile: typeof file }).__exportFile = file;
      (window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = async (options: {
        suggestedName: string;
      }) => {
        file.suggestedName = options.suggestedName;
        return {
          createWritable: async () =>
            new WritableStream<Uint8Array>({
              write(chunk) {
                file.writes++;
                file.chunks.push(Array.from(chunk));
              },
              close() {
                file.closed = true;
              },
              abort() {
                file.aborted = true;
              },
            }),
        };
      };
    });
    await audit.exportButton.click();
    await expect(audit.exportStatus).toHaveText(/Export finished/);
    const written = await page.evaluate(() => {
      const file = (
        window as unknown as {
          __exportFile: {
            writes: number;
            chunks: number[][];
            closed: boolean;
            aborted: boolean;
            suggestedName: string;
          };
        }
      ).__exportFile;
      return { ...file, chunks: file.chunks.flat() };
    });
    expect(written.suggestedName).toMatch(/^paydesk-audit-\d{8}T\d{6}Z\.csv$/);
    expect(written).toMatchObject({ closed: true, aborted: false });
    expect(written.writes).toBeGreaterThan(0);
    const text = Buffer.from(written.chunks).toString("utf8");
    expect(text.startsWith(`${AUDIT_CSV_COLUMNS.join(",")}\r\n`)).toBe(true);

    // Without a save picker (other browsers) the browser's download manager gets the same file.
    await page.evaluate(() => {
      delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
    });
    const downloading = page.waitForEvent("download");
    await audit.exportButton.click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^paydesk-audit-.+\.csv$/);
    const native = fs.readFileSync(await download.path(), "utf8");
    // The same rows (the second export's own audit entry is newer than the first's cut-off,
    // and exports are not payment.create entries: the filtered files are identical).
    expect(native).toBe(text);

    const records = parse(text, { cast: auditCsvCast }) as CsvCell[][];
    const [header, ...entries] = records;
    expect(header).toEqual([...AUDIT_CSV_COLUMNS]);
    // Exactly the entries the page counts for these filters.
    const counted = Number(((await audit.count.textContent()) ?? "").replace(/\D/g, ""));
    expect(entries.length).toBe(counted);
    for (const entry of entries) {
      expect(entry[column("action")]).toBe("payment.create");
      expect(entry[column("actor_email")]).toBe(demoEmail("admin"));
    }
    const ours = entries.find((entry) => entry[column("entity_id")] === paid.paymentId);
    expect(ours, "the new payment's entry is in the export").toBeTruthy();
    // Neutralised for spreadsheets, and still verifiable.
    expect(ours?.[column("reason")]).toBe("'=SUM(A1:A9) paid by transfer");
    const verified = verifyAuditExport(records);
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
    expect(verified.hashesVerified).toBe(entries.length);
  });
});

test.describe("support and the audit log", () => {
  test.use(asRole("support"));

  test("sees only its own entries and cannot export", async ({ page }) => {
    const audit = new AuditPage(page);
    const response = await audit.goto();
    expect(response?.status()).toBe(200);
    await expect(audit.ownOnlyNote).toBeVisible();
    await expect(audit.exportButton).toHaveCount(0);

    const answer = await page.request.get("/audit/export");
    expect(answer.status()).toBe(403);
    expect(answer.headers()["content-type"]).toContain("application/problem+json");
  });
});
