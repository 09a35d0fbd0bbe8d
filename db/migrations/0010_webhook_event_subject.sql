ALTER TABLE "webhook_events" ADD COLUMN "subject_id" text;--> statement-breakpoint
CREATE INDEX "webhook_events_subject_idx" ON "webhook_events" USING btree ("provider","subject_id");