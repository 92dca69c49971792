// The ballot writer is the ballot box (ballot-box.ts): group commit, in-place slots, markers.
export { BallotBox as BallotWriter, ballotBoxPlugin } from './ballot-box.js';
