import { isCheckInOpen, isRollCallOpen, ROLL_CALL_EARLY_MINUTES, rollCallOpensAt } from '../../src/attendance/roll-call-window';

const MINUTE = 60 * 1000;
// A workshop on 25 November 2026, 09:30–16:30 Berlin time (08:30–15:30 UTC).
const session = { starts_at: new Date('2026-11-25T08:30:00Z'), ends_at: new Date('2026-11-25T15:30:00Z') };
const at = (minutesFromStart: number) => new Date(session.starts_at.getTime() + minutesFromStart * MINUTE);

describe('roll-call window', () => {
  it('opens an hour before the start, so trainers can greet people at the door', () => {
    expect(ROLL_CALL_EARLY_MINUTES).toBe(60);
    expect(rollCallOpensAt(session)).toEqual(new Date('2026-11-25T07:30:00Z'));
  });

  it('is closed before that, e.g. a week ahead or one minute too early', () => {
    expect(isRollCallOpen(session, at(-7 * 24 * 60))).toBe(false);
    expect(isRollCallOpen(session, at(-61))).toBe(false);
  });

  it('is open from the opening minute on, during the session and afterwards for corrections', () => {
    expect(isRollCallOpen(session, at(-60))).toBe(true);
    expect(isRollCallOpen(session, at(-30))).toBe(true);
    expect(isRollCallOpen(session, at(0))).toBe(true);
    expect(isRollCallOpen(session, at(3 * 24 * 60))).toBe(true);
  });
});

describe('self check-in window', () => {
  it('opens together with the roll call', () => {
    expect(isCheckInOpen(session, at(-61))).toBe(false);
    expect(isCheckInOpen(session, at(-60))).toBe(true);
    expect(isCheckInOpen(session, at(10))).toBe(true);
  });

  it('closes when the session ends', () => {
    expect(isCheckInOpen(session, at(7 * 60 - 1))).toBe(true);
    expect(isCheckInOpen(session, at(7 * 60))).toBe(false);
    expect(isCheckInOpen(session, at(24 * 60))).toBe(false);
  });
});
