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
CREATE UNIQUE INDEX "client_tokens_hash_key" ON "client_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "client_tokens_live_name_key" ON "client_tokens" USING btree ("name") WHERE "client_tokens"."revoked_at" is null;