ALTER TABLE `assessment_cadres` ADD `under_investigation` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `assessment_cadres` ADD `retired` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `assessment_cadres` ADD `secondment` text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE `assessment_cadres` ADD `party_role` text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE `assessment_units` ADD `party_building_unit_id` text REFERENCES assessment_units(id);