CREATE TABLE `assessment_cadres` (
	`id` text PRIMARY KEY NOT NULL,
	`unit_id` text NOT NULL,
	`name` text NOT NULL,
	`title` text,
	`is_head` integer DEFAULT false NOT NULL,
	`score` real,
	`no_excellent_in_daily` integer DEFAULT false NOT NULL,
	`position` integer NOT NULL,
	FOREIGN KEY (`unit_id`) REFERENCES `assessment_units`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `assessment_cadres_unit_idx` ON `assessment_cadres` (`unit_id`,`position`);--> statement-breakpoint
CREATE TABLE `assessment_decisions` (
	`target_id` text PRIMARY KEY NOT NULL,
	`round_id` text NOT NULL,
	`target_type` text NOT NULL,
	`grade` text NOT NULL,
	`suggested` text,
	`reason` text,
	`decided_by` text NOT NULL,
	`decided_at` text NOT NULL,
	FOREIGN KEY (`round_id`) REFERENCES `assessment_rounds`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `assessment_decisions_round_idx` ON `assessment_decisions` (`round_id`);--> statement-breakpoint
CREATE TABLE `assessment_deductions` (
	`id` text PRIMARY KEY NOT NULL,
	`unit_id` text NOT NULL,
	`indicator_id` text NOT NULL,
	`rule_id` text NOT NULL,
	`occurrences` real NOT NULL,
	`points` real NOT NULL,
	`note` text NOT NULL,
	`evidence` text NOT NULL,
	`entered_by` text NOT NULL,
	`entered_at` text NOT NULL,
	FOREIGN KEY (`unit_id`) REFERENCES `assessment_units`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `assessment_deductions_unit_idx` ON `assessment_deductions` (`unit_id`);--> statement-breakpoint
CREATE TABLE `assessment_inputs` (
	`unit_id` text NOT NULL,
	`input` text NOT NULL,
	`value` text NOT NULL,
	`note` text NOT NULL,
	`evidence` text NOT NULL,
	`entered_by` text NOT NULL,
	`entered_at` text NOT NULL,
	PRIMARY KEY(`unit_id`, `input`),
	FOREIGN KEY (`unit_id`) REFERENCES `assessment_units`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `assessment_links` (
	`unit_id` text NOT NULL,
	`component` text NOT NULL,
	`meeting_id` text NOT NULL,
	`form_id` text NOT NULL,
	`subject_id` text,
	PRIMARY KEY(`unit_id`, `component`),
	FOREIGN KEY (`unit_id`) REFERENCES `assessment_units`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `assessment_links_meeting_idx` ON `assessment_links` (`meeting_id`);--> statement-breakpoint
CREATE TABLE `assessment_rounds` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`scheme_id` text NOT NULL,
	`scheme` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `assessment_units` (
	`id` text PRIMARY KEY NOT NULL,
	`round_id` text NOT NULL,
	`domain` text NOT NULL,
	`name` text NOT NULL,
	`position` integer NOT NULL,
	`facts` text NOT NULL,
	FOREIGN KEY (`round_id`) REFERENCES `assessment_rounds`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `assessment_units_round_name_idx` ON `assessment_units` (`round_id`,`name`);--> statement-breakpoint
CREATE INDEX `assessment_units_round_idx` ON `assessment_units` (`round_id`,`position`);