CREATE TABLE `slip_markers` (
	`seq` integer PRIMARY KEY NOT NULL,
	`marker_key` text NOT NULL,
	`meeting_id` text NOT NULL,
	`batch_id` text NOT NULL,
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`batch_id`) REFERENCES `slip_batches`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `slip_markers_marker_key_unique` ON `slip_markers` (`marker_key`);--> statement-breakpoint
ALTER TABLE `slips` ADD `token_wrap` text;