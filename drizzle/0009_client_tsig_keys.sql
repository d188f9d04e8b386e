CREATE TABLE "client_challenges" (
	"challenge_id" uuid PRIMARY KEY NOT NULL,
	"client_token_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "client_tsig_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"client_token_id" uuid NOT NULL,
	"name" text NOT NULL,
	"algorithm" text NOT NULL,
	"secret_encrypted" text NOT NULL,
	"key_version" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "client_challenges" ADD CONSTRAINT "client_challenges_challenge_id_challenges_id_fk" FOREIGN KEY ("challenge_id") REFERENCES "public"."challenges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "client_challenges" ADD CONSTRAINT "client_challenges_client_token_id_client_tokens_id_fk" FOREIGN KEY ("client_token_id") REFERENCES "public"."client_tokens"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "client_tsig_keys" ADD CONSTRAINT "client_tsig_keys_client_token_id_client_tokens_id_fk" FOREIGN KEY ("client_token_id") REFERENCES "public"."client_tokens"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "client_tsig_keys_name_idx" ON "client_tsig_keys" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "client_tsig_keys_token_key" ON "client_tsig_keys" USING btree ("client_token_id");