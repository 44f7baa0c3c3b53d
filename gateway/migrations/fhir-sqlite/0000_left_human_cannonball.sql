CREATE TABLE `fhir_date_index` (
	`rid` integer NOT NULL,
	`resource_type` text NOT NULL,
	`param` text NOT NULL,
	`low` integer NOT NULL,
	`high` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `fhir_date_lookup` ON `fhir_date_index` (`resource_type`,`param`,`low`,`high`,`rid`);--> statement-breakpoint
CREATE INDEX `fhir_date_rid` ON `fhir_date_index` (`rid`,`param`,`low`,`high`);--> statement-breakpoint
CREATE TABLE `fhir_history` (
	`rid` integer NOT NULL,
	`version_id` integer NOT NULL,
	`last_updated` integer NOT NULL,
	`deleted` integer NOT NULL,
	`content` text,
	PRIMARY KEY(`rid`, `version_id`),
	FOREIGN KEY (`rid`) REFERENCES `fhir_resources`(`rid`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `fhir_reference_index` (
	`rid` integer NOT NULL,
	`resource_type` text NOT NULL,
	`param` text NOT NULL,
	`target_type` text NOT NULL,
	`target_id` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `fhir_reference_lookup` ON `fhir_reference_index` (`resource_type`,`param`,`target_id`,`target_type`,`rid`);--> statement-breakpoint
CREATE INDEX `fhir_reference_target` ON `fhir_reference_index` (`target_type`,`target_id`);--> statement-breakpoint
CREATE INDEX `fhir_reference_rid` ON `fhir_reference_index` (`rid`,`param`);--> statement-breakpoint
CREATE TABLE `fhir_resources` (
	`rid` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`resource_type` text NOT NULL,
	`id` text NOT NULL,
	`version_id` integer NOT NULL,
	`last_updated` integer NOT NULL,
	`deleted` integer NOT NULL,
	`content` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `fhir_resources_type_id` ON `fhir_resources` (`resource_type`,`id`);--> statement-breakpoint
CREATE INDEX `fhir_resources_type_updated` ON `fhir_resources` (`resource_type`,`last_updated`);--> statement-breakpoint
CREATE TABLE `fhir_string_index` (
	`rid` integer NOT NULL,
	`resource_type` text NOT NULL,
	`param` text NOT NULL,
	`normalized` text NOT NULL,
	`exact` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `fhir_string_lookup` ON `fhir_string_index` (`resource_type`,`param`,`normalized`,`rid`);--> statement-breakpoint
CREATE INDEX `fhir_string_rid` ON `fhir_string_index` (`rid`,`param`,`normalized`);--> statement-breakpoint
CREATE TABLE `fhir_token_index` (
	`rid` integer NOT NULL,
	`resource_type` text NOT NULL,
	`param` text NOT NULL,
	`system` text,
	`code` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `fhir_token_lookup` ON `fhir_token_index` (`resource_type`,`param`,`code`,`system`,`rid`);--> statement-breakpoint
CREATE INDEX `fhir_token_rid` ON `fhir_token_index` (`rid`,`param`,`code`,`system`);