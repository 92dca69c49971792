// The paper module's public surface: printing paper ballots (also from the command line).
export { issuePaperBallots } from './paper.usecases.js';
export { paperBallotsPdfStream } from './paper-pdf.js';
