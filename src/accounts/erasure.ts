/**
 * Accounts' part of anonymising a person, published for the privacy domain (src/privacy/erasure.service.ts)
 * and the retention job: set-based functions that take the caller's transaction. The SQL is in
 * ./erasure.queries.ts; only this domain writes its tables.
 */
export { lockPersonToErase, anonymiseUserRow, deleteSessionsOf, deleteTokensOf, deleteAddressTraces, anonymisedEmail, ANONYMISED_FIRST_NAME, ANONYMISED_LAST_NAME } from './erasure.queries';
export type { PersonToErase } from './erasure.queries';
