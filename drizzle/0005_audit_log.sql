CREATE TABLE "security_audits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"category" text NOT NULL,
	"resource_type" text,
	"resource_id" text,
	"outcome" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source_ip" text,
	"user_agent" text
);
--> statement-breakpoint
CREATE INDEX "security_audits_created_idx" ON "security_audits" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "security_audits_resource_idx" ON "security_audits" USING btree ("resource_type","resource_id","created_at");--> statement-breakpoint
CREATE INDEX "security_audits_category_idx" ON "security_audits" USING btree ("category","created_at");--> statement-breakpoint
CREATE INDEX "security_audits_actor_idx" ON "security_audits" USING btree ("actor","created_at");