/**
 * What an attendance status means, written once. Queries build their SQL from these
 * constants, services and templates call `countsAsAttended`, so "present or late counts as
 * attended" cannot drift apart between the roll call, completion and certificates.
 */
export const ATTENDANCE_STATUSES = ['present', 'late', 'excused', 'absent'] as const;
export type AttendanceStatus = (typeof ATTENDANCE_STATUSES)[number];

/** A person who came late still took part: both count for completion and certificates. */
export const ATTENDED_STATUSES = ['present', 'late'] as const satisfies readonly AttendanceStatus[];

export function isAttendanceStatus(value: unknown): value is AttendanceStatus {
  return (ATTENDANCE_STATUSES as readonly unknown[]).includes(value);
}

/** Does this recorded status (or none yet) count as having attended the session? */
export function countsAsAttended(status: AttendanceStatus | null | undefined): boolean {
  return (ATTENDED_STATUSES as readonly (AttendanceStatus | null | undefined)[]).includes(status);
}
