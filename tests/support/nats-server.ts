/**
 * NATS for the relay tests: whether the shared broker is up, a private nats-server of one test's
 * own (a free port and a store directory of its own, stopped and started again on the same port
 * and store to play a broker outage), and reading a stream back.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";

/** The broker every machine of this kind runs (.ci/run starts it when it is down). */
export const SHARED_NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

/** True when a NATS server answers at `url` within `timeoutMs`. */
export async function natsReachable(url = SHARED_NATS_URL, timeoutMs = 2_000): Promise<boolean> {
  try {
    const nc = await connect({ servers: url, timeout: timeoutMs, reconnect: false });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

/** The nats-server binary: NATS_SERVER_BIN, PATH, then where Debian puts it (/usr/sbin). */
export function findNatsServer(): string | null {
  const candidates = [
    process.env.NATS_SERVER_BIN,
    ...(process.env.PATH ?? "").split(path.delimiter).map((d) => d && path.join(d, "nats-server")),
    "/usr/sbin/nats-server",
    "/usr/local/bin/nats-server",
    "/usr/bin/nats-server",
  ];
  return candidates.find((c): c is string => Boolean(c) && existsSync(c as string)) ?? null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export interface PrivateNats {
  url: string;
  port: number;
  storeDir: string;
  running(): boolean;
  /** Stops the server (SIGKILL by default: an outage, not a goodbye) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port with the same JetStream store. */
  start(): Promise<void>;
  /** Stops it and removes its store. */
  close(): Promise<void>;
}

/** A nats-server with JetStream of this test's own, on a free port. */
export async function startPrivateNats(bin = findNatsServer()): Promise<PrivateNats> {
  if (!bin) throw new Error("nats-server not found (set NATS_SERVER_BIN or install nats-server)");
  const port = await freePort();
  const storeDir = mkdtempSync(path.join(os.tmpdir(), "paydesk-nats-"));
  let child: ChildProcess | null = null;
  let log = "";

  const start = async () => {
    if (child) return;
    log = "";
    const c = spawn(bin, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    c.stdout?.on("data", (d) => {
      log += String(d);
    });
    c.stderr?.on("data", (d) => {
      log += String(d);
    });
    child = c;
    const until = Date.now() + 15_000;
    while (!(await portOpen(port))) {
      if (c.exitCode !== null) throw new Error(`nats-server exited (${c.exitCode}): ${log.slice(-2000)}`);
      if (Date.now() > until) throw new Error(`nats-server did not listen on ${port}: ${log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // JetStream is ready once the server answers its API.
    const nc = await connect({ servers: `nats://127.0.0.1:${port}` });
    try {
      for (;;) {
        try {
          await (await jetstreamManager(nc)).getAccountInfo();
          break;
        } catch (err) {
          if (Date.now() > until) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      await nc.close();
    }
  };

  const stop = async (signal: NodeJS.Signals = "SIGKILL") => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
    c.kill(signal);
    const timer = setTimeout(() => c.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    running: () => child !== null,
    stop,
    start,
    close: async () => {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

export interface StreamMessage {
  streamSeq: number;
  subject: string;
  msgId: string | undefined;
  /** When JetStream stored it (the server's clock), epoch ms. */
  storedAt: number;
  body: {
    id: string;
    type: string;
    occurredAt: string;
    aggregate: { type: string; id: string; seq: number };
    data: Record<string, unknown>;
  };
}

/** Every message of the stream, in stream order. */
export async function readStream(nc: NatsConnection, stream: string): Promise<StreamMessage[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const out: StreamMessage[] = [];
  if (info.state.messages === 0) return out;
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!m) continue;
    out.push({
      streamSeq: m.seq,
      subject: m.subject,
      msgId: m.header?.get("Nats-Msg-Id"),
      storedAt: m.time.getTime(),
      body: m.json(),
    });
  }
  return out;
}

/**
 * What a consumer would see wrong: messages not `expected` in number, an event id twice, an
 * aggregate's events not 1, 2, 3… in stream order. Empty when all is well.
 */
export function streamProblems(messages: StreamMessage[], expectedIds: Iterable<string>): string[] {
  const problems: string[] = [];
  const expected = new Set(expectedIds);
  const seen = new Map<string, number>();
  for (const m of messages) {
    seen.set(m.body.id, (seen.get(m.body.id) ?? 0) + 1);
    if (m.msgId !== m.body.id)
      problems.push(`message ${m.streamSeq}: Nats-Msg-Id ${m.msgId} ≠ id ${m.body.id}`);
  }
  for (const [id, n] of seen) if (n > 1) problems.push(`event ${id} ${n} times in the stream`);
  for (const id of expected) if (!seen.has(id)) problems.push(`event ${id} missing from the stream`);
  for (const id of seen.keys())
    if (!expected.has(id)) problems.push(`event ${id} in the stream but not in the outbox`);
  const last = new Map<string, number>();
  for (const m of messages) {
    const key = `${m.body.aggregate.type}:${m.body.aggregate.id}`;
    const prev = last.get(key) ?? 0;
    if (m.body.aggregate.seq !== prev + 1) {
      problems.push(`${key}: seq ${m.body.aggregate.seq} after ${prev} (stream seq ${m.streamSeq})`);
    }
    last.set(key, Math.max(prev, m.body.aggregate.seq));
  }
  return problems;
}

/** Deletes the stream if it is there. */
export async function deleteStream(nc: NatsConnection, stream: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(stream).catch(() => {});
}
