export type BodyRead = { ok: true; bytes: Buffer } | { ok: false; problem: "too_large" | "unreadable" };

/**
 * The request body's bytes, read once. Reading stops at `max` bytes, so a huge body costs no
 * more than that; a body the client stops sending midway is "unreadable".
 */
export async function readBodyBytes(req: Request, max: number): Promise<BodyRead> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > max) return { ok: false, problem: "too_large" };
  if (!req.body) return { ok: true, bytes: Buffer.alloc(0) };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        await reader.cancel().catch(() => {});
        return { ok: false, problem: "too_large" };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, problem: "unreadable" };
  }
  return { ok: true, bytes: Buffer.concat(chunks) };
}
