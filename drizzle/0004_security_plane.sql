CREATE TABLE "client_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"allowed_domains" jsonb NOT NULL,
	"allowed_cidrs" jsonb NOT NULL,
	"provider_ids" jsonb,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
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
CREATE UNIQUE INDEX "client_tokens_hash_key" ON "client_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "client_tokens_live_name_key" ON "client_tokens" USING btree ("name") WHERE "client_tokens"."revoked_at" is null;--> statement-breakpoint
CREATE INDEX "encryption_rotations_started_idx" ON "encryption_rotations" USING btree ("started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "encryption_rotations_one_running" ON "encryption_rotations" USING btree ("outcome") WHERE "encryption_rotations"."outcome" = 'running';