CREATE TABLE "encryption_rotations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"trigger" text NOT NULL,
	"replica" text NOT NULL,
	"from_versions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"to_version" text NOT NULL,
	"outcome" text DEFAULT 'running' NOT NULL,
	"rows_total" integer DEFAULT 0 NOT NULL,
	"rows_done" integer DEFAULT 0 NOT NULL,
	"rows_unreadable" integer DEFAULT 0 NOT NULL,
	"rows_skipped" integer DEFAULT 0 NOT NULL,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "encryption_rotations_started_idx" ON "encryption_rotations" USING btree ("started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "encryption_rotations_one_running" ON "encryption_rotations" USING btree ("outcome") WHERE "encryption_rotations"."outcome" = 'running';