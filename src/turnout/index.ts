// The turnout module's public surface.
export { exactCounts, turnoutOf, turnoutView, type Turnout } from './turnout.usecases.js';
export { TurnoutView } from './turnout.schemas.js';
