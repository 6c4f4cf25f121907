/**
 * Enrollment's part of anonymising a person, published for the privacy domain (src/privacy/erasure.service.ts)
 * and the retention job: set-based functions that take the caller's transaction. The SQL is in
 * ./erasure.queries.ts; only this domain writes its tables.
 */
export { eraseEnrollmentTraces } from './erasure.queries';
