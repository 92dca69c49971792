CREATE TABLE "assessment_cadres" (
	"id" text PRIMARY KEY NOT NULL,
	"unit_id" text NOT NULL,
	"name" text NOT NULL,
	"title" text,
	"is_head" boolean DEFAULT false NOT NULL,
	"score" double precision,
	"no_excellent_in_daily" boolean DEFAULT false NOT NULL,
	"position" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assessment_decisions" (
	"target_id" text PRIMARY KEY NOT NULL,
	"round_id" text NOT NULL,
	"target_type" text NOT NULL,
	"grade" text NOT NULL,
	"suggested" text,
	"reason" text,
	"decided_by" text NOT NULL,
	"decided_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assessment_deductions" (
	"id" text PRIMARY KEY NOT NULL,
	"unit_id" text NOT NULL,
	"indicator_id" text NOT NULL,
	"rule_id" text NOT NULL,
	"occurrences" double precision NOT NULL,
	"points" double precision NOT NULL,
	"note" text NOT NULL,
	"evidence" text NOT NULL,
	"entered_by" text NOT NULL,
	"entered_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assessment_inputs" (
	"unit_id" text NOT NULL,
	"input" text NOT NULL,
	"value" text NOT NULL,
	"note" text NOT NULL,
	"evidence" text NOT NULL,
	"entered_by" text NOT NULL,
	"entered_at" text NOT NULL,
	CONSTRAINT "assessment_inputs_unit_id_input_pk" PRIMARY KEY("unit_id","input")
);
--> statement-breakpoint
CREATE TABLE "assessment_links" (
	"unit_id" text NOT NULL,
	"component" text NOT NULL,
	"meeting_id" text NOT NULL,
	"form_id" text NOT NULL,
	"subject_id" text,
	CONSTRAINT "assessment_links_unit_id_component_pk" PRIMARY KEY("unit_id","component")
);
--> statement-breakpoint
CREATE TABLE "assessment_rounds" (
	"id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"scheme_id" text NOT NULL,
	"scheme" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" text DEFAULT (to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assessment_units" (
	"id" text PRIMARY KEY NOT NULL,
	"round_id" text NOT NULL,
	"domain" text NOT NULL,
	"name" text NOT NULL,
	"position" integer NOT NULL,
	"facts" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" text NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"meeting_id" text,
	"detail" text NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ballots" (
	"id" text PRIMARY KEY NOT NULL,
	"meeting_id" text NOT NULL,
	"category" text,
	"source" text NOT NULL,
	"answers" text NOT NULL,
	"valid" boolean NOT NULL,
	"breaches" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "categories" (
	"meeting_id" text NOT NULL,
	"key" text NOT NULL,
	"label" text NOT NULL,
	"weight" double precision NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "categories_meeting_id_key_pk" PRIMARY KEY("meeting_id","key")
);
--> statement-breakpoint
CREATE TABLE "closing_reports" (
	"id" text PRIMARY KEY NOT NULL,
	"meeting_id" text NOT NULL,
	"closed_by" text NOT NULL,
	"closed_at" text NOT NULL,
	"report" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "login_failures" (
	"key" text PRIMARY KEY NOT NULL,
	"failures" integer NOT NULL,
	"window_start" bigint NOT NULL,
	"locked_until" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "meeting_assessors" (
	"meeting_id" text NOT NULL,
	"user_id" text NOT NULL,
	CONSTRAINT "meeting_assessors_meeting_id_user_id_pk" PRIMARY KEY("meeting_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "meetings" (
	"id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"unit" text NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"form_ids" text NOT NULL,
	"min_override" integer,
	"min_override_reason" text,
	"staff_count" integer,
	"signed_in" integer,
	"interviews" integer,
	"created_by" text NOT NULL,
	"created_at" text DEFAULT (to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) NOT NULL,
	"closed_by" text,
	"closed_at" text,
	"version" integer DEFAULT 0 NOT NULL,
	"published_ballots" integer,
	"settings" text,
	"ballot_layout" text
);
--> statement-breakpoint
CREATE TABLE "revoked_sessions" (
	"jti" text PRIMARY KEY NOT NULL,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "slip_batches" (
	"id" text PRIMARY KEY NOT NULL,
	"meeting_id" text NOT NULL,
	"category" text,
	"count" integer NOT NULL,
	"first_serial" integer NOT NULL,
	"created_by" text NOT NULL,
	"created_at" text DEFAULT (to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "slip_markers" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"marker_key" text NOT NULL,
	"meeting_id" text NOT NULL,
	"batch_id" text NOT NULL,
	CONSTRAINT "slip_markers_marker_key_unique" UNIQUE("marker_key")
);
--> statement-breakpoint
CREATE TABLE "slips" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"short_code_hash" text NOT NULL,
	"meeting_id" text NOT NULL,
	"batch_id" text NOT NULL,
	"category" text,
	"serial" integer NOT NULL,
	"status" text DEFAULT 'issued' NOT NULL,
	"token_wrap" text,
	"nonce_hash" text,
	"void_reason" text,
	CONSTRAINT "slips_short_code_hash_unique" UNIQUE("short_code_hash")
);
--> statement-breakpoint
CREATE TABLE "subjects" (
	"id" text PRIMARY KEY NOT NULL,
	"meeting_id" text NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"title" text,
	"is_head" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"display_name" text DEFAULT '' NOT NULL,
	"password_hash" text NOT NULL,
	"role" text NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"created_at" text DEFAULT (to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) NOT NULL,
	"session_epoch" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "users_username_unique" UNIQUE("username")
);
--> statement-breakpoint
ALTER TABLE "assessment_cadres" ADD CONSTRAINT "assessment_cadres_unit_id_assessment_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."assessment_units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assessment_decisions" ADD CONSTRAINT "assessment_decisions_round_id_assessment_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."assessment_rounds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assessment_deductions" ADD CONSTRAINT "assessment_deductions_unit_id_assessment_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."assessment_units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assessment_inputs" ADD CONSTRAINT "assessment_inputs_unit_id_assessment_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."assessment_units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assessment_links" ADD CONSTRAINT "assessment_links_unit_id_assessment_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."assessment_units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assessment_links" ADD CONSTRAINT "assessment_links_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assessment_units" ADD CONSTRAINT "assessment_units_round_id_assessment_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."assessment_rounds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ballots" ADD CONSTRAINT "ballots_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "categories" ADD CONSTRAINT "categories_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "closing_reports" ADD CONSTRAINT "closing_reports_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "meeting_assessors" ADD CONSTRAINT "meeting_assessors_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "meeting_assessors" ADD CONSTRAINT "meeting_assessors_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slip_batches" ADD CONSTRAINT "slip_batches_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slip_markers" ADD CONSTRAINT "slip_markers_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slip_markers" ADD CONSTRAINT "slip_markers_batch_id_slip_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."slip_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slips" ADD CONSTRAINT "slips_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slips" ADD CONSTRAINT "slips_batch_id_slip_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."slip_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subjects" ADD CONSTRAINT "subjects_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "assessment_cadres_unit_idx" ON "assessment_cadres" USING btree ("unit_id","position");--> statement-breakpoint
CREATE INDEX "assessment_decisions_round_idx" ON "assessment_decisions" USING btree ("round_id");--> statement-breakpoint
CREATE INDEX "assessment_deductions_unit_idx" ON "assessment_deductions" USING btree ("unit_id");--> statement-breakpoint
CREATE INDEX "assessment_links_meeting_idx" ON "assessment_links" USING btree ("meeting_id");--> statement-breakpoint
CREATE UNIQUE INDEX "assessment_units_round_name_idx" ON "assessment_units" USING btree ("round_id","name");--> statement-breakpoint
CREATE INDEX "assessment_units_round_idx" ON "assessment_units" USING btree ("round_id","position");--> statement-breakpoint
CREATE INDEX "ballots_meeting_idx" ON "ballots" USING btree ("meeting_id");--> statement-breakpoint
CREATE UNIQUE INDEX "slips_meeting_serial_idx" ON "slips" USING btree ("meeting_id","serial");--> statement-breakpoint
CREATE INDEX "slips_batch_idx" ON "slips" USING btree ("batch_id");--> statement-breakpoint
CREATE INDEX "subjects_meeting_idx" ON "subjects" USING btree ("meeting_id","position");