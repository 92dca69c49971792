CREATE TABLE "live_samples" (
	"meeting_id" text NOT NULL,
	"kind" text NOT NULL,
	"epoch" bigint NOT NULL,
	"figures" text NOT NULL,
	CONSTRAINT "live_samples_meeting_id_kind_pk" PRIMARY KEY("meeting_id","kind")
);
