import type { Db } from "@/db/client";
import { startUserDeletedConsumer } from "../accounts/consumer";
import { startOutbound } from "../outbound/loop";
import { startCheckpointSchedule } from "./checkpoint";
import { startRelay, startScheduler } from "./scheduler";

/**
 * Everything Paydesk does on its own, started once per process: the schedule (expiry,
 * reconciliation, signed audit checkpoints), the outbox relay to NATS, outbound webhook deliveries, the `user.deleted`
 * consumer. Each loop claims its work through the database
 * (leases, SKIP LOCKED), so every app instance, and any number of `npm run worker` processes,
 * may run them side by side.
 */
export function startBackgroundWork(db: Db): void {
  startScheduler(db);
  // Signed audit chain heads every AUDIT_CHECKPOINT_INTERVAL_MS (docs/audit-log.md).
  startCheckpointSchedule(db);
  // Domain events to NATS JetStream when NATS_URL is set; otherwise they wait in the outbox.
  startRelay(db);
  // Signed outbound webhooks (docs/outbound-webhooks.md): fan-out and deliveries, any instance.
  startOutbound(db);
  // accounts.user.deleted from NATS (docs/erasure.md); without NATS_URL nothing is consumed.
  startUserDeletedConsumer(db);
}
