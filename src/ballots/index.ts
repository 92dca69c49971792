// The ballots module's public surface: casting (phone and keyed-in paper), the voter's form, and the ballots of
// a meeting for tallies and exports.
export { castBallot, ballotView, formForVoter, findSlip, type CastOutcome } from './ballots.usecases.js';
export { countBallots, meetingBallots, type BallotRow } from './ballots.repository.js';
export type { BallotWriter } from './ballot-writer.js';
export { BallotFormView, CastBody, QuestionView } from './ballots.schemas.js';
