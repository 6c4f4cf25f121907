/**
 * Single sign-on's part of anonymising a person, for the privacy domain (src/privacy/erasure.service.ts):
 * the links to identity providers go, so nobody logs in to the anonymised account through one.
 * A later login through the provider makes a new account. Takes the caller's transaction.
 */
export { deleteIdentitiesOf as deleteExternalIdentitiesOf } from './external-identities.queries';
