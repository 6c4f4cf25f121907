import { formatDate, formatDateTime, formatTime } from '../../src/shared/format';

describe('date and time formats (Europe/Berlin)', () => {
  it('shows winter time (CET, UTC+1) the German way', () => {
    expect(formatDateTime('2026-11-25T08:30:00Z')).toBe('25.11.2026, 09:30 Uhr');
  });

  it('shows summer time (CEST, UTC+2)', () => {
    expect(formatDateTime('2026-07-01T08:30:00Z')).toBe('01.07.2026, 10:30 Uhr');
  });

  it('switches on the night the clocks change', () => {
    // 29 March 2026: 02:00 CET becomes 03:00 CEST (01:00 UTC).
    expect(formatTime('2026-03-29T00:30:00Z')).toBe('01:30 Uhr');
    expect(formatTime('2026-03-29T01:30:00Z')).toBe('03:30 Uhr');
    // 25 October 2026: back to CET.
    expect(formatTime('2026-10-25T00:30:00Z')).toBe('02:30 Uhr');
    expect(formatTime('2026-10-25T01:30:00Z')).toBe('02:30 Uhr');
  });

  it('puts an evening in UTC on the next day in Berlin', () => {
    expect(formatDate(new Date('2026-12-31T23:30:00Z'))).toBe('01.01.2027');
    expect(formatTime(new Date('2026-12-31T23:30:00Z'))).toBe('00:30 Uhr');
  });

  it('uses the British day-first order on English pages', () => {
    expect(formatDateTime('2026-11-25T08:30:00Z', 'en')).toBe('25 Nov 2026, 09:30');
  });
});
