// The results module's public surface: the tally of a closed meeting, for exports and assessment rounds.
export { admitPublication, tallyResults, type MeetingResults } from './results.usecases.js';
