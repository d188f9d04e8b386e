CREATE TABLE "dns_provider_credentials" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dns_provider_id" uuid NOT NULL,
	"label" text NOT NULL,
	"zone_filter" text DEFAULT '' NOT NULL,
	"credentials_encrypted" text NOT NULL,
	"key_version" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"propagation_timeout" integer DEFAULT 120 NOT NULL,
	"polling_interval" integer DEFAULT 5 NOT NULL,
	"success_count" integer DEFAULT 0 NOT NULL,
	"failure_count" integer DEFAULT 0 NOT NULL,
	"last_used_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "challenges" ADD COLUMN "credential_id" uuid;--> statement-breakpoint
ALTER TABLE "dns_providers" ADD COLUMN "use_multi_credentials" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "dns_provider_credentials" ADD CONSTRAINT "dns_provider_credentials_dns_provider_id_dns_providers_id_fk" FOREIGN KEY ("dns_provider_id") REFERENCES "public"."dns_providers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dns_provider_credentials_provider_idx" ON "dns_provider_credentials" USING btree ("dns_provider_id","created_at");--> statement-breakpoint
ALTER TABLE "challenges" ADD CONSTRAINT "challenges_credential_id_dns_provider_credentials_id_fk" FOREIGN KEY ("credential_id") REFERENCES "public"."dns_provider_credentials"("id") ON DELETE set null ON UPDATE no action;