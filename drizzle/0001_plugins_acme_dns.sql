CREATE TABLE "acme_dns_registrations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"username" uuid NOT NULL,
	"password_hash" text NOT NULL,
	"subdomain" uuid NOT NULL,
	"provider_id" uuid NOT NULL,
	"allow_from" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "plugins" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"type" text,
	"path" text NOT NULL,
	"signature" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"error" text,
	"version" text,
	"author" text,
	"loaded_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "challenges" ADD COLUMN "last_check_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "acme_dns_registrations" ADD CONSTRAINT "acme_dns_registrations_provider_id_dns_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."dns_providers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "acme_dns_registrations_username_key" ON "acme_dns_registrations" USING btree ("username");--> statement-breakpoint
CREATE UNIQUE INDEX "acme_dns_registrations_subdomain_key" ON "acme_dns_registrations" USING btree ("subdomain");--> statement-breakpoint
CREATE UNIQUE INDEX "plugins_name_key" ON "plugins" USING btree ("name");