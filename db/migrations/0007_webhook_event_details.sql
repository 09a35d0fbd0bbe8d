ALTER TABLE "webhook_events" ADD COLUMN "outcome_reason" text;--> statement-breakpoint
ALTER TABLE "webhook_events" ADD COLUMN "verification" text;--> statement-breakpoint
ALTER TABLE "webhook_events" ADD COLUMN "source_ip" text;--> statement-breakpoint
CREATE INDEX "webhook_events_outcome_received_idx" ON "webhook_events" USING btree ("outcome","received_at" DESC NULLS LAST,"id" DESC NULLS LAST);