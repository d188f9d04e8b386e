ALTER TABLE "challenges" ADD COLUMN "last_check" jsonb;--> statement-breakpoint
CREATE INDEX "challenges_created_idx" ON "challenges" USING btree ("created_at","id");