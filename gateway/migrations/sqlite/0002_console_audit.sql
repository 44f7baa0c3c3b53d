CREATE TABLE `audit_events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`recorded_at` integer NOT NULL,
	`category` text NOT NULL,
	`action` text NOT NULL,
	`outcome` text NOT NULL,
	`user_id` text,
	`fhir_user` text,
	`client_id` text,
	`grant_id` text,
	`patient_id` text,
	`resource_type` text,
	`resource_id` text,
	`source_address` text,
	`request_id` text,
	`detail` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_events_id_unique` ON `audit_events` (`id`);--> statement-breakpoint
CREATE INDEX `audit_recorded` ON `audit_events` (`recorded_at`);--> statement-breakpoint
CREATE INDEX `audit_patient` ON `audit_events` (`patient_id`,`recorded_at`);--> statement-breakpoint
CREATE INDEX `audit_client` ON `audit_events` (`client_id`,`recorded_at`);--> statement-breakpoint
CREATE INDEX `audit_grant` ON `audit_events` (`grant_id`,`recorded_at`);--> statement-breakpoint
CREATE INDEX `audit_user` ON `audit_events` (`user_id`,`recorded_at`);--> statement-breakpoint
CREATE TABLE `invitations` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`role` text NOT NULL,
	`fhir_user` text,
	`invited_by` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`accepted_at` integer,
	`user_id` text
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`to` text NOT NULL,
	`subject` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE INDEX `outbox_created` ON `outbox` (`created_at`);--> statement-breakpoint
ALTER TABLE `clients` ADD `cors_origins` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `clients` ADD `logo_uri` text;--> statement-breakpoint
ALTER TABLE `clients` ADD `privacy_attestation` text;--> statement-breakpoint
ALTER TABLE `clients` ADD `post_logout_redirect_uris` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `clients` ADD `updated_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `totp_pending_secret` text;--> statement-breakpoint
ALTER TABLE `users` ADD `recovery_codes` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `email` text;--> statement-breakpoint
CREATE TRIGGER `audit_events_no_update` BEFORE UPDATE ON `audit_events` BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;--> statement-breakpoint
CREATE TRIGGER `audit_events_no_delete` BEFORE DELETE ON `audit_events` BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
