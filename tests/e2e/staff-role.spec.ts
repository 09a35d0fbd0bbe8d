import { uniqueEmail } from "./support/data";
import { asRole, expect, test } from "./support/fixtures";

// Issue 12, defect 9: an admin changes a staff member's role from the staff page; the change
// needs a reason, and every session of that person ends at once.
test.describe("changing a staff member's role as admin", () => {
  test.use(asRole("admin"));

  test("support becomes auditor with a reason, and their open session ends", async ({
    staffPage,
    openSession,
  }) => {
    const email = uniqueEmail("role", "paydesk.test");
    await staffPage.goto();
    const oneTime = await staffPage.create({ email, name: "Role Change", role: "support" });

    // Their session, open in a browser of its own (a one-time password lands on its own page).
    const member = await openSession(null);
    await member.loginPage.goto();
    await member.loginPage.signInSuccessfully(email, oneTime);
    await expect(member.page).toHaveURL(/\/account\/password$/);

    await staffPage.row(email).getByRole("button", { name: "Change role" }).click();
    const dialog = staffPage.page.getByRole("dialog", { name: `Change the role of ${email}?` });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel("New role").selectOption("auditor");
    // Without a reason nothing changes: the field says why.
    await dialog.getByRole("button", { name: "Change role" }).click();
    await expect(dialog.getByText(/Reason is required|Reason needs at least/)).toBeVisible();
    await dialog.getByLabel("Reason").fill("moved to the finance team");
    await dialog.getByRole("button", { name: "Change role" }).click();
    await expect(dialog).toBeHidden();
    await expect(staffPage.row(email).getByRole("cell").nth(1)).toHaveText("auditor");

    // The session issued under the old role is over.
    await member.page.goto("/payments");
    await expect(member.page).toHaveURL(/\/login\?notice=ended$/);
  });
});
