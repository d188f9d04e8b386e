CREATE TABLE "challenges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider_id" uuid NOT NULL,
	"fqdn" text NOT NULL,
	"zone" text,
	"value" text NOT NULL,
	"status" text DEFAULT 'CREATED' NOT NULL,
	"record_state" text DEFAULT 'none' NOT NULL,
	"plugin_record_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"cleanup_attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"verified_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"claimed_until" timestamp with time zone,
	"next_check_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "dns_providers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"provider_type" text NOT NULL,
	"credentials_encrypted" text NOT NULL,
	"key_version" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"propagation_timeout" integer,
	"polling_interval" integer,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sites" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"domain_names" jsonb NOT NULL,
	"dns_provider_id" uuid NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "challenges" ADD CONSTRAINT "challenges_provider_id_dns_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."dns_providers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sites" ADD CONSTRAINT "sites_dns_provider_id_dns_providers_id_fk" FOREIGN KEY ("dns_provider_id") REFERENCES "public"."dns_providers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "challenges_active_key" ON "challenges" USING btree ("provider_id","fqdn","value") WHERE "challenges"."status" in ('CREATED', 'PENDING', 'VERIFYING');--> statement-breakpoint
CREATE INDEX "challenges_status_expires_idx" ON "challenges" USING btree ("status","expires_at");--> statement-breakpoint
CREATE INDEX "challenges_record_state_idx" ON "challenges" USING btree ("record_state") WHERE "challenges"."record_state" in ('present', 'unknown');--> statement-breakpoint
CREATE INDEX "challenges_fqdn_idx" ON "challenges" USING btree ("fqdn");--> statement-breakpoint
CREATE UNIQUE INDEX "dns_providers_name_key" ON "dns_providers" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "dns_providers_one_default" ON "dns_providers" USING btree ("is_default") WHERE "dns_providers"."is_default";