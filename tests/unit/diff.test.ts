import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffJson, type JsonChange, jsonEqual } from "@/lib/audit/diff";

/**
 * Writes each change's `after` into a copy of `before` (as own keys, even `__proto__`).
 * Flat: the path is the key itself (which may contain dots); nested: dots separate keys.
 */
function apply(
  before: Record<string, unknown>,
  changes: JsonChange[],
  flat = false,
): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(before);
  for (const { path, after } of changes) {
    const keys = flat ? [path] : path.split(".");
    let target = out;
    for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
    const last = keys.at(-1)!;
    if (after === undefined) delete target[last];
    else
      Object.defineProperty(target, last, {
        value: after,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return out;
}

const primitive = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const flatObject = fc.dictionary(fc.string(), primitive, { noNullPrototype: true });
// Keys without dots, so a dotted path names exactly one place.
const key = fc.string({ minLength: 1 }).filter((k) => !k.includes(".") && k !== "__proto__");
const nestedObject = fc.letrec((tie) => ({
  obj: fc.dictionary(key, fc.oneof({ depthSize: "small" }, primitive, fc.array(primitive), tie("obj")), {
    noNullPrototype: true,
  }),
})).obj as fc.Arbitrary<Record<string, unknown>>;

describe("diffJson", () => {
  it("reports changed, added and removed keys with dotted paths, in key order", () => {
    const before = { status: "pending", amount: "599", meta: { a: 1, b: { c: true } }, gone: 1 };
    const after = { status: "succeeded", amount: "599", meta: { a: 2, b: { c: true, d: null } }, added: "x" };
    expect(diffJson(before, after)).toEqual([
      { path: "added", before: undefined, after: "x" },
      { path: "gone", before: 1, after: undefined },
      { path: "meta.a", before: 1, after: 2 },
      { path: "meta.b.d", before: undefined, after: null },
      { path: "status", before: "pending", after: "succeeded" },
    ]);
  });

  it("compares arrays as whole values", () => {
    expect(diffJson({ tags: [1, 2, 3] }, { tags: [1, 2, 3] })).toEqual([]);
    expect(diffJson({ tags: [1, 2, 3] }, { tags: [1, 3, 2] })).toEqual([
      { path: "tags", before: [1, 2, 3], after: [1, 3, 2] },
    ]);
    expect(diffJson({ rows: [{ a: 1 }] }, { rows: [{ a: 2 }] })).toEqual([
      { path: "rows", before: [{ a: 1 }], after: [{ a: 2 }] },
    ]);
  });

  it("reports a key that turns from an object into something else (or back) as one change", () => {
    expect(diffJson({ grant: { days: 30 } }, { grant: null })).toEqual([
      { path: "grant", before: { days: 30 }, after: null },
    ]);
    expect(diffJson({ x: 1 }, { x: { y: 1 } })).toEqual([{ path: "x", before: 1, after: { y: 1 } }]);
    expect(diffJson({}, { grant: { days: 30 } })).toEqual([
      { path: "grant", before: undefined, after: { days: 30 } },
    ]);
  });

  it("treats a missing document as empty, so a creation lists every field", () => {
    expect(diffJson(null, { status: "pending", version: 1 })).toEqual([
      { path: "status", before: undefined, after: "pending" },
      { path: "version", before: undefined, after: 1 },
    ]);
    expect(diffJson({ a: 1 }, undefined)).toEqual([{ path: "a", before: 1, after: undefined }]);
    expect(diffJson(null, null)).toEqual([]);
    expect(diffJson(null, undefined)).toEqual([]);
  });

  it("diffs non-object documents as one value at the empty path", () => {
    expect(diffJson(1, 2)).toEqual([{ path: "", before: 1, after: 2 }]);
    expect(diffJson("a", "a")).toEqual([]);
    expect(diffJson([1], [1])).toEqual([]);
    expect(diffJson(null, [1])).toEqual([{ path: "", before: null, after: [1] }]);
  });

  it("distinguishes null from a missing key, and compares Dates by instant", () => {
    expect(diffJson({ a: null }, {})).toEqual([{ path: "a", before: null, after: undefined }]);
    expect(
      diffJson({ at: new Date("2026-01-01T00:00:00Z") }, { at: new Date("2026-01-01T00:00:00Z") }),
    ).toEqual([]);
  });

  it("is stable whatever the key order of its inputs", () => {
    expect(diffJson({ b: 1, a: 1 }, { a: 2, b: 2 })).toEqual(diffJson({ a: 1, b: 1 }, { b: 2, a: 2 }));
  });

  it("property: diff(x, x) is empty, also against a deep copy", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (x) => {
        expect(diffJson(x, x)).toEqual([]);
        expect(diffJson(x, structuredClone(x))).toEqual([]);
      }),
    );
  });

  it("property: applying the diff's after values to before gives after (flat objects of primitives)", () => {
    fc.assert(
      fc.property(flatObject, flatObject, (before, after) => {
        const changes = diffJson(before, after);
        expect(jsonEqual(apply(before, changes, true), after)).toBe(true);
        for (const c of changes) expect(jsonEqual(c.before, c.after)).toBe(false);
      }),
    );
  });

  it("property: the same holds for nested objects, paths and all", () => {
    fc.assert(
      fc.property(nestedObject, nestedObject, (before, after) => {
        expect(jsonEqual(apply(before, diffJson(before, after)), after)).toBe(true);
      }),
    );
  });

  it("property: the diff is empty exactly when the values are equal, and its paths are unique", () => {
    const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
    // A null document next to an object counts as an empty object.
    const root = (v: unknown, other: unknown) => (v === null && isObject(other) ? {} : v);
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const changes = diffJson(a, b);
        expect(changes.length === 0).toBe(jsonEqual(root(a, b), root(b, a)));
        const paths = changes.map((c) => c.path);
        expect(new Set(paths).size).toBe(paths.length);
      }),
    );
  });
});
