// The results module's public surface: the tally of a closed meeting, for exports and assessment rounds.
export { assertResultsReadable, tallyResults, type MeetingResults } from './results.usecases.js';
