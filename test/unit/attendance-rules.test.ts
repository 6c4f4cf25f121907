import { ATTENDANCE_STATUSES, ATTENDED_STATUSES, countsAsAttended, isAttendanceStatus } from '../../src/attendance/attendance-rules';

describe('attendance rules', () => {
  it('counts present and late as attended', () => {
    expect(countsAsAttended('present')).toBe(true);
    expect(countsAsAttended('late')).toBe(true);
  });

  it('does not count excused, absent or nothing recorded', () => {
    expect(countsAsAttended('excused')).toBe(false);
    expect(countsAsAttended('absent')).toBe(false);
    expect(countsAsAttended(null)).toBe(false);
    expect(countsAsAttended(undefined)).toBe(false);
  });

  it('lists exactly the attended statuses for the queries, all of them known statuses', () => {
    expect([...ATTENDED_STATUSES].sort()).toEqual(ATTENDANCE_STATUSES.filter(countsAsAttended).sort());
    expect(ATTENDED_STATUSES.every(isAttendanceStatus)).toBe(true);
  });

  it('knows the four statuses of the roll call and nothing else', () => {
    expect(ATTENDANCE_STATUSES).toEqual(['present', 'late', 'excused', 'absent']);
    expect(isAttendanceStatus('vielleicht')).toBe(false);
    expect(isAttendanceStatus('')).toBe(false);
  });
});
