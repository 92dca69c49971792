/**
 * The smallest group whose figures Ceping shows: a respondent category below it gets no breakdown of its own, and
 * the live counts of an open poll move in steps of it, so that neither a small category nor a single voter can be
 * read off a figure. 5 is the usual choice of survey platforms (DOMAIN.md, "Anonymity is the product").
 */
export const MIN_GROUP_SIZE = 5;
