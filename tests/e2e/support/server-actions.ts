import fs from "node:fs";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";

const root = path.resolve(import.meta.dirname, "../../..");

interface ManifestEntry {
  exportedName?: string;
  filename?: string;
  workers?: Record<string, unknown>;
}

/**
 * The id Next.js gave a server action in the production build the server is running, from
 * `.next/server/server-reference-manifest.json` (ids change with every build).
 */
export function serverActionId(file: string, exportedName: string): string {
  const manifestPath = path.join(root, ".next/server/server-reference-manifest.json");
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as {
    node: Record<string, ManifestEntry>;
  };
  const found = Object.entries(manifest.node).find(
    ([, entry]) => entry.exportedName === exportedName && entry.filename === file,
  );
  if (!found) throw new Error(`server action ${exportedName} (${file}) is not in ${manifestPath}`);
  return found[0];
}

/**
 * Calls a server action the way the browser's React runtime does: a POST to a page that
 * uses it, the action id in `Next-Action`, the arguments as a JSON array. Returns the
 * action's result, decoded from the RSC stream (row `1:` carries the return value).
 */
export async function callServerAction(
  request: APIRequestContext,
  { page, actionId, args }: { page: string; actionId: string; args: unknown[] },
): Promise<{ status: number; body: string; result: unknown }> {
  const response = await request.post(page, {
    headers: {
      "Next-Action": actionId,
      Accept: "text/x-component",
      "Content-Type": "text/plain;charset=UTF-8",
    },
    data: JSON.stringify(args),
    maxRedirects: 0,
  });
  const body = await response.text();
  const row = body.split("\n").find((line) => line.startsWith("1:"));
  let result: unknown = null;
  if (row) {
    try {
      result = JSON.parse(row.slice(2));
    } catch {
      result = null;
    }
  }
  return { status: response.status(), body, result };
}
