import ICAL from 'ical.js';
import type { OutgoingMail } from '../../src/mail/mailer';

export type ParsedEvent = {
  uid: string;
  sequence: number;
  status: string | null;
  /** The wall-clock value as written ("2027-01-14T10:00:00") and its TZID. */
  localStart: string;
  tzid: string | null;
  /** The instant, read through the calendar's own VTIMEZONE. */
  start: Date;
  end: Date;
  summary: string;
  location: string | null;
  attendee: string | null;
  partstat: string | null;
  rsvp: string | null;
  organizer: string | null;
};

export type ParsedCalendar = { method: string | null; events: ParsedEvent[] };

/** Reads an iCalendar text back with ical.js (a second implementation, not our writer). */
export function parseCalendar(content: string): ParsedCalendar {
  const calendar = new ICAL.Component(ICAL.parse(content));
  for (const zone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(zone);
  const events = calendar.getAllSubcomponents('vevent').map((vevent) => {
    const dtstart = vevent.getFirstProperty('dtstart');
    const startTime = dtstart?.getFirstValue() as ICAL.Time;
    const endTime = vevent.getFirstPropertyValue('dtend') as ICAL.Time;
    const attendee = vevent.getFirstProperty('attendee');
    const text = (name: string) => {
      const value = vevent.getFirstPropertyValue(name);
      return value === null || value === undefined ? null : String(value);
    };
    return {
      uid: String(vevent.getFirstPropertyValue('uid')),
      sequence: Number(vevent.getFirstPropertyValue('sequence')),
      status: text('status'),
      localStart: startTime.toString(),
      tzid: (dtstart?.getParameter('tzid') as string | undefined) ?? null,
      start: startTime.toJSDate(),
      end: endTime.toJSDate(),
      summary: String(vevent.getFirstPropertyValue('summary')),
      location: text('location'),
      attendee: attendee ? String(attendee.getFirstValue()) : null,
      partstat: (attendee?.getParameter('partstat') as string | undefined) ?? null,
      rsvp: (attendee?.getParameter('rsvp') as string | undefined) ?? null,
      organizer: text('organizer'),
    };
  });
  const method = calendar.getFirstPropertyValue('method');
  return { method: method === null ? null : String(method), events };
}

/** The iTIP part of a mail, parsed; fails the test when the mail has none. */
export function invitationIn(mail: OutgoingMail | undefined): ParsedCalendar & { partMethod: string } {
  if (!mail?.calendar) throw new Error(`no calendar part in mail: ${mail?.subject ?? '(no mail)'}`);
  return { ...parseCalendar(mail.calendar.content), partMethod: mail.calendar.method };
}
