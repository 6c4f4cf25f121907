/** The attendance domain's part of the Löschkonzept, for src/privacy/retention.service.ts. */
export { countAttendanceOfOfferings, deleteAttendanceOfOfferings, usersWithAttendance } from './retention.queries';
