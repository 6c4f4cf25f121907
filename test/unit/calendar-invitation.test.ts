import { invitationWriter, sessionUid, writeInvitation, type InvitationSession } from '../../src/calendar/invitation';
import { parseCalendar } from '../support/ical';

const session = (overrides: Partial<InvitationSession> = {}): InvitationSession => ({
  sessionId: 7,
  sequence: 3,
  startsAt: new Date('2027-07-08T08:00:00Z'),
  endsAt: new Date('2027-07-08T14:30:00Z'),
  summary: 'Kommunales Konfliktmanagement: Modul 2',
  description: 'Kommunales Konfliktmanagement – Durchgang 2027',
  location: 'Landratsamt, Saal 1; Eingang B',
  url: 'https://campus.example/offerings/3',
  ...overrides,
});

const base = { organizer: 'KoKoMa Campus <no-reply@kokoma.example>', host: 'campus.example' };

describe('calendar invitations (iTIP)', () => {
  it('writes summer times in Berlin local time with the zone, read back to the right instant', () => {
    const content = writeInvitation({ ...base, method: 'REQUEST', sessions: [session()], attendee: { email: 'lena.schaefer@gemeinde.example', name: 'Lena Schäfer' } });
    const parsed = parseCalendar(content);
    expect(parsed.method).toBe('REQUEST');
    expect(parsed.events[0]).toMatchObject({
      uid: sessionUid(7, 'campus.example'),
      sequence: 3,
      tzid: 'Europe/Berlin',
      localStart: '2027-07-08T10:00:00',
      location: 'Landratsamt, Saal 1; Eingang B',
      attendee: 'MAILTO:lena.schaefer@gemeinde.example',
      status: 'CONFIRMED',
    });
    expect(parsed.events[0]!.start.toISOString()).toBe('2027-07-08T08:00:00.000Z');
    expect(parsed.events[0]!.end.toISOString()).toBe('2027-07-08T14:30:00.000Z');
    expect(content).toMatch(/^DTSTAMP:\d{8}T\d{6}Z\r$/m);
  });

  it('marks every event cancelled in a CANCEL', () => {
    const parsed = parseCalendar(writeInvitation({ ...base, method: 'CANCEL', sessions: [session(), session({ sessionId: 8 })], attendee: { email: 'a@gemeinde.example', name: 'A' } }));
    expect(parsed.method).toBe('CANCEL');
    expect(parsed.events.map((event) => [event.uid, event.status])).toEqual([
      ['session-7@campus.example', 'CANCELLED'],
      ['session-8@campus.example', 'CANCELLED'],
    ]);
  });

  it('gives each person of a shared writer their own ATTENDEE, folded, whatever their name holds', () => {
    const write = invitationWriter({ ...base, method: 'REQUEST', sessions: [session(), session({ sessionId: 8 })] });
    const name = 'Dr. Anna-Lena Özdemir-Wüstenhagen $& von und zu Langenname';
    const content = write({ email: 'anna-lena.oezdemir-wuestenhagen@verbandsgemeinde.example', name });
    const other = parseCalendar(write({ email: 'ben@gemeinde.example', name: 'Ben' }));
    const parsed = parseCalendar(content);
    expect(parsed.events.map((event) => event.attendee)).toEqual(['MAILTO:anna-lena.oezdemir-wuestenhagen@verbandsgemeinde.example', 'MAILTO:anna-lena.oezdemir-wuestenhagen@verbandsgemeinde.example']);
    expect(other.events.map((event) => event.attendee)).toEqual(['MAILTO:ben@gemeinde.example', 'MAILTO:ben@gemeinde.example']);
    expect(content).toContain('$&');
    for (const line of content.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
  });
});
