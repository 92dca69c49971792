CREATE TABLE "box_ballots" (
	"key" "bytea" PRIMARY KEY NOT NULL,
	"meeting_id" text NOT NULL,
	"valid" boolean NOT NULL,
	"head" "bytea",
	"record" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "box_markers" (
	"key" "bytea" PRIMARY KEY NOT NULL,
	"meeting_id" text NOT NULL,
	"batch_id" text NOT NULL,
	"used" boolean DEFAULT false NOT NULL,
	"nonce_hash" "bytea"
);
--> statement-breakpoint
CREATE INDEX "box_ballots_meeting_idx" ON "box_ballots" USING btree ("meeting_id");--> statement-breakpoint
CREATE INDEX "box_markers_meeting_idx" ON "box_markers" USING btree ("meeting_id");