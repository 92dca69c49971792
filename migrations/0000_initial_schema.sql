CREATE TABLE `audit_log` (
	`seq` integer PRIMARY KEY NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`meeting_id` text,
	`detail` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ballots` (
	`id` text PRIMARY KEY NOT NULL,
	`meeting_id` text NOT NULL,
	`category` text,
	`source` text NOT NULL,
	`answers` text NOT NULL,
	`valid` integer NOT NULL,
	`breaches` text NOT NULL,
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `ballots_meeting_idx` ON `ballots` (`meeting_id`);--> statement-breakpoint
CREATE TABLE `categories` (
	`meeting_id` text NOT NULL,
	`key` text NOT NULL,
	`label` text NOT NULL,
	`weight` real NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`meeting_id`, `key`),
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `closing_reports` (
	`id` text PRIMARY KEY NOT NULL,
	`meeting_id` text NOT NULL,
	`closed_by` text NOT NULL,
	`closed_at` text NOT NULL,
	`report` text NOT NULL,
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `meeting_assessors` (
	`meeting_id` text NOT NULL,
	`user_id` text NOT NULL,
	PRIMARY KEY(`meeting_id`, `user_id`),
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `meetings` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`unit` text NOT NULL,
	`kind` text NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`form_ids` text NOT NULL,
	`min_override` integer,
	`min_override_reason` text,
	`staff_count` integer,
	`signed_in` integer,
	`interviews` integer,
	`created_by` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`closed_by` text,
	`closed_at` text,
	`version` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `slip_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`meeting_id` text NOT NULL,
	`category` text,
	`count` integer NOT NULL,
	`first_serial` integer NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `slips` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`short_code_hash` text NOT NULL,
	`meeting_id` text NOT NULL,
	`batch_id` text NOT NULL,
	`category` text,
	`serial` integer NOT NULL,
	`status` text DEFAULT 'issued' NOT NULL,
	`nonce_hash` text,
	`void_reason` text,
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`batch_id`) REFERENCES `slip_batches`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `slips_short_code_hash_unique` ON `slips` (`short_code_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `slips_meeting_serial_idx` ON `slips` (`meeting_id`,`serial`);--> statement-breakpoint
CREATE INDEX `slips_batch_idx` ON `slips` (`batch_id`);--> statement-breakpoint
CREATE TABLE `subjects` (
	`id` text PRIMARY KEY NOT NULL,
	`meeting_id` text NOT NULL,
	`position` integer NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`title` text,
	`is_head` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `subjects_meeting_idx` ON `subjects` (`meeting_id`,`position`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`display_name` text DEFAULT '' NOT NULL,
	`password_hash` text NOT NULL,
	`role` text NOT NULL,
	`disabled` integer DEFAULT false NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);