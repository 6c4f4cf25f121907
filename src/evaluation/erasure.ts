/**
 * The evaluation domain's part of anonymising a person (src/privacy/erasure.service.ts): their
 * yes/no rows of open evaluations are deleted. Their answers stay, since no row links them to anybody.
 */
export { deleteParticipationOf } from './privacy.queries';
