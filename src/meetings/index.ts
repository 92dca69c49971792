// The meetings module's public surface.
export type { MeetingRecord, MeetingRow, SubjectRow, CategoryRow } from './meetings.repository.js';
export { isMeetingOpen, meetingVersion, updateMeeting, findMeeting as findMeetingRecord } from './meetings.repository.js';
export { cachedMeetingAt, loadMeeting, loadMeetingCached, meetingForms, meetingView, minimumDecision, minimumOf, type Deps } from './meetings.usecases.js';
export { meetingErrors } from './meetings.errors.js';
export { MeetingKind, MeetingView, SubjectKind, VoidStamp } from './meetings.schemas.js';
