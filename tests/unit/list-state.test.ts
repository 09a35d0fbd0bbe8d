import { describe, expect, it } from "vitest";
import { countText } from "@/components/data-table/list-footer";
import { hiddenColumns } from "@/lib/validation/hidden-columns";

describe("hiddenColumns", () => {
  it("uses the list's defaults when the URL says nothing", () => {
    expect(hiddenColumns({}, ["refunded", "method"])).toEqual(["refunded", "method"]);
  });

  it("shows every column for an empty hide=", () => {
    expect(hiddenColumns({ hide: "" }, ["refunded"])).toEqual([]);
  });

  it("reads the URL's list, dropping empty items", () => {
    expect(hiddenColumns({ hide: "kind,,plan" }, ["refunded"])).toEqual(["kind", "plan"]);
  });

  it("ignores a repeated param (an array), as if absent", () => {
    expect(hiddenColumns({ hide: ["kind", "plan"] }, ["refunded"])).toEqual(["refunded"]);
  });
});

describe("countText", () => {
  const noun = { one: "payment", other: "payments" };

  it("says one, many and zero with the locale's digits", () => {
    expect(countText({ count: 1, capped: false }, noun, "en-US")).toBe("1 payment");
    expect(countText({ count: 0, capped: false }, noun, "en-US")).toBe("0 payments");
    expect(countText({ count: 12345, capped: false }, noun, "en-US")).toBe("12,345 payments");
  });

  it("says 'more than' when the count stopped at its cap, even at one", () => {
    expect(countText({ count: 10000, capped: true }, noun, "en-US")).toBe("More than 10,000 payments");
    expect(countText({ count: 1, capped: true }, noun, "en-US")).toBe("More than 1 payments");
  });
});
