import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { customers } from "@/db/schema";
import { likeLiteral, searchCustomers } from "@/lib/customers/search";
import { freshDatabase, type TestDatabase } from "../support/db";

describe("customer search", () => {
  let t: TestDatabase;
  const ids: Record<string, string> = {};

  beforeEach(async () => {
    t = await freshDatabase();
    const rows = await t.db
      .insert(customers)
      .values([
        { email: "anna@example.com", name: "Anna Petrova" },
        { email: "anna.smith@example.com", name: "Anna Smith" },
        { email: "joanna@example.com", name: "Joanna Brown" },
        { email: "bob@example.com", name: "Robert Annan" },
        { email: "zed@example.com", name: "Zed" },
        { email: "percent%sign@example.com", name: "Per Cent" },
        { email: "under_score@example.com", name: "Under Score" },
        { email: "underXscore@example.com", name: "Under X" },
        { email: "back\\slash@example.com", name: "Back Slash" },
        { email: "MixedCase@Example.com", name: "Mixed CASE" },
      ])
      .returning();
    for (const r of rows) ids[r.email] = r.id;
  });
  afterEach(async () => {
    await t.close();
  });

  const emails = async (q: string, limit?: number) =>
    (await searchCustomers(t.db, q, limit)).map((c) => c.email);

  it("returns nothing for queries shorter than 2 characters", async () => {
    expect(await searchCustomers(t.db, "")).toEqual([]);
    expect(await searchCustomers(t.db, "a")).toEqual([]);
    expect(await searchCustomers(t.db, "  a  ")).toEqual([]);
  });

  it("matches a substring of email or name, case-insensitively, exact email first, then prefixes", async () => {
    expect(await emails("ANNA")).toEqual([
      // prefix matches (email or name), by email
      "anna.smith@example.com",
      "anna@example.com",
      // substring matches, by email
      "bob@example.com", // name "Robert Annan"
      "joanna@example.com",
    ]);
    // jo-anna@example.com contains it too, but the exact match comes first.
    expect(await emails("Anna@Example.com")).toEqual(["anna@example.com", "joanna@example.com"]);
    expect(await emails("anna@example")).toEqual(["anna@example.com", "joanna@example.com"]);
    expect(await emails("mixedcase@example.COM")).toEqual(["MixedCase@Example.com"]);
    expect(await emails("case")).toEqual(["MixedCase@Example.com"]);
  });

  it("folds case beyond ASCII", async () => {
    await t.db.insert(customers).values({ email: "ivanova@example.ru", name: "Анна Иванова" });
    expect(await emails("иВАНОВА")).toEqual(["ivanova@example.ru"]);
  });

  it("puts the exact email match before prefix matches", async () => {
    await t.db.insert(customers).values({ email: "an@example.com", name: "An" });
    expect((await emails("an@example.com"))[0]).toBe("an@example.com");
    const all = await emails("an");
    expect(all[0]).toBe("an@example.com"); // prefix and lowest email
    expect(all).toContain("joanna@example.com");
  });

  it("returns id, email and name only, and honours the limit", async () => {
    const [first] = await searchCustomers(t.db, "anna@example.com");
    expect(first).toEqual({ id: ids["anna@example.com"], email: "anna@example.com", name: "Anna Petrova" });
    expect(await emails("example.com", 3)).toHaveLength(3);
    expect(await emails("example.com")).toHaveLength(10);
    expect(await emails("example.com", 0)).toHaveLength(1);
  });

  it("finds a customer by exact id first", async () => {
    const id = ids["zed@example.com"]!;
    expect(await searchCustomers(t.db, id)).toEqual([{ id, email: "zed@example.com", name: "Zed" }]);
    expect(await emails(id.toUpperCase())).toEqual(["zed@example.com"]);
    expect(await searchCustomers(t.db, "00000000-0000-4000-8000-000000000000")).toEqual([]);
  });

  it("matches %, _ and \\ literally", async () => {
    expect(await emails("t%s")).toEqual(["percent%sign@example.com"]);
    expect(await emails("%%")).toEqual([]);
    expect(await emails("r_s")).toEqual(["under_score@example.com"]);
    expect(await emails("under_")).toEqual(["under_score@example.com"]);
    expect(await emails("__")).toEqual([]);
    expect(await emails("k\\s")).toEqual(["back\\slash@example.com"]);
    expect(await emails("\\\\")).toEqual([]);
  });

  it("escapes LIKE wildcards", () => {
    expect(likeLiteral("a%b_c\\d")).toBe("a\\%b\\_c\\\\d");
  });
});
