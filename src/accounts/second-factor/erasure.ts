/**
 * The second factor's part of anonymising a person (privacy's anonymisePerson, also run by the
 * retention job for inactive accounts): key and recovery codes are deleted, in the caller's
 * transaction. Published here so privacy needs no access to this domain's queries.
 */
export { deleteSecondFactor as deleteSecondFactorOf } from './second-factor.queries';
