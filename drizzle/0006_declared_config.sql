ALTER TABLE "client_tokens" ADD COLUMN "managed_by" text;--> statement-breakpoint
ALTER TABLE "dns_providers" ADD COLUMN "managed_by" text;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "managed_by" text;