/** The enrollment domain's part of the Löschkonzept, for src/privacy/retention.service.ts. */
export { countEnrollmentsOfOfferings, deleteEnrollmentsOfOfferings, usersWithEnrollments } from './retention.queries';
