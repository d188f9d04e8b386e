ALTER TABLE "challenges" ADD COLUMN "last_check" jsonb;--> statement-breakpoint
ALTER TABLE "dns_providers" ADD COLUMN "success_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "dns_providers" ADD COLUMN "failure_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "dns_providers" ADD COLUMN "last_used_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "dns_providers" ADD COLUMN "last_error" text;--> statement-breakpoint
CREATE INDEX "challenges_created_idx" ON "challenges" USING btree ("created_at","id");