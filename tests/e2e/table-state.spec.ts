import { asRole, expect, test } from "./support/fixtures";

// Journey 8: the payments table keeps filter, sort, hidden columns and page in the URL.
// Read-only (support): it only reads the seeded payments.
test.describe("payments table state in the URL", () => {
  test.use(asRole("support"));

  test("filter, sort, hidden column and page survive a reload; Previous returns to page one", async ({
    page,
    paymentsList,
  }) => {
    await paymentsList.goto();

    await paymentsList.filterFacet("Status", "Succeeded");
    await expect(page).toHaveURL(/[?&]status=succeeded(&|$)/);
    await paymentsList.settled();
    await expect(paymentsList.rows.first()).toBeVisible();
    await expect(paymentsList.table.getByTestId("status-badge")).toHaveText(
      Array(await paymentsList.rows.count()).fill("Succeeded"),
    );

    await paymentsList.sortBy("Amount");
    await expect(page).toHaveURL(/[?&]sort=amount(&|$)/);
    await expect(paymentsList.columnHeader("Amount")).toHaveAttribute("aria-sort", "descending");
    await paymentsList.settled();

    await paymentsList.setColumnVisible("Kind", false);
    await expect(page).toHaveURL(/[?&]hide=[^&]*kind/);
    await expect(paymentsList.columnHeader("Kind")).toHaveCount(0);
    await paymentsList.settled();

    const firstPage = await paymentsList.rowTexts();
    expect(firstPage.length).toBe(25);
    await paymentsList.nextPage.click();
    await expect(page).toHaveURL(/[?&]cursor=/);
    await paymentsList.settled();
    await expect.poll(() => paymentsList.rowTexts()).not.toEqual(firstPage);

    const url = new URL(page.url());
    expect(url.searchParams.get("status")).toBe("succeeded");
    expect(url.searchParams.get("sort")).toBe("amount");
    expect(url.searchParams.get("hide")?.split(",")).toContain("kind");
    expect(url.searchParams.get("cursor")).toBeTruthy();

    const secondPage = await paymentsList.rowTexts();
    const headers = await paymentsList.columnHeaders();
    expect(headers).not.toContain("Kind");

    await page.reload();
    await expect(paymentsList.heading).toBeVisible();
    expect(page.url()).toBe(url.toString());
    expect(await paymentsList.rowTexts()).toEqual(secondPage);
    expect(await paymentsList.columnHeaders()).toEqual(headers);
    await expect(paymentsList.columnHeader("Amount")).toHaveAttribute("aria-sort", "descending");
    await expect(page.getByRole("button", { name: /^Status/ })).toContainText("Succeeded");

    await paymentsList.previousPage.click();
    await paymentsList.settled();
    await expect.poll(() => paymentsList.rowTexts()).toEqual(firstPage);
    const back = new URL(page.url());
    expect(back.searchParams.get("status")).toBe("succeeded");
    expect(back.searchParams.get("sort")).toBe("amount");
    expect(back.searchParams.get("hide")?.split(",")).toContain("kind");
    await expect(paymentsList.previousPage).toHaveCount(0);
  });
});
