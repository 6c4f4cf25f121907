/**
 * What this domain stores about one person, published for their data export (src/privacy/export.service.ts,
 * Art. 15 and 20 DSGVO). The SQL is in ./personal-data.queries.ts.
 */
export { selectPersonalAttendance, selectPersonalExcuses } from './personal-data.queries';
export type { PersonalAttendance, PersonalExcuse } from './personal-data.queries';
