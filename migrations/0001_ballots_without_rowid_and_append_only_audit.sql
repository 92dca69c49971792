-- Ballots: rebuilt WITHOUT ROWID so that rows are stored in the order of their random id, never in the order
-- they arrived (a rowid table would number them 1, 2, 3 as they were cast). drizzle-kit cannot express this.
DROP TABLE `ballots`;--> statement-breakpoint
CREATE TABLE `ballots` (
	`id` text PRIMARY KEY NOT NULL,
	`meeting_id` text NOT NULL,
	`category` text,
	`source` text NOT NULL,
	`answers` text NOT NULL,
	`valid` integer NOT NULL,
	`breaches` text NOT NULL,
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;--> statement-breakpoint
CREATE INDEX `ballots_meeting_idx` ON `ballots` (`meeting_id`);--> statement-breakpoint
-- The audit log is append-only: the database itself refuses edits and deletions; the hash chain detects
-- edits made by someone who drops these triggers.
CREATE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log`
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;--> statement-breakpoint
CREATE TRIGGER `audit_log_no_delete` BEFORE DELETE ON `audit_log`
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
