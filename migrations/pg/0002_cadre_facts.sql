ALTER TABLE "assessment_cadres" ADD COLUMN "under_investigation" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "assessment_cadres" ADD COLUMN "retired" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "assessment_cadres" ADD COLUMN "secondment" text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE "assessment_cadres" ADD COLUMN "party_role" text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE "assessment_units" ADD COLUMN "party_building_unit_id" text;--> statement-breakpoint
ALTER TABLE "assessment_units" ADD CONSTRAINT "assessment_units_party_building_unit_id_assessment_units_id_fk" FOREIGN KEY ("party_building_unit_id") REFERENCES "public"."assessment_units"("id") ON DELETE no action ON UPDATE no action;