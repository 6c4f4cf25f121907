import { TZDate } from '@date-fns/tz';
import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import ical, { foldLines, ICalAttendee, ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import addressparser from 'nodemailer/lib/addressparser';
import { TIME_ZONE } from '../shared/format';

/** What an invitation tells about one session (Termin). */
export type InvitationSession = {
  sessionId: number;
  /** The session's calendar_sequence: a calendar program replaces its entry only for a higher one. */
  sequence: number;
  startsAt: Date;
  endsAt: Date;
  summary: string;
  description: string;
  location: string;
  /** The offering's page, also written into the description for programs that hide URL. */
  url: string;
};

export type InvitationMethod = 'REQUEST' | 'CANCEL';

export type Invitation = {
  method: InvitationMethod;
  sessions: InvitationSession[];
  attendee: { email: string; name: string };
  /** MAIL_FROM ("KoKoMa Campus <no-reply@…>"): replies and the organiser shown in the calendar. */
  organizer: string;
  /** BASE_URL's host: UIDs are unique across installations of the campus. */
  host: string;
};

/**
 * One stable UID per session, shared by the invitations in mails and the personal feed, so
 * the calendar entry made from a mail is the one an update or cancellation changes.
 */
export function sessionUid(sessionId: number, host: string): string {
  return `session-${sessionId}@${host}`;
}

function organizerOf(from: string): { name: string; email: string } {
  const [first] = addressparser(from, { flatten: true });
  const email = first?.address || from;
  return { name: first?.name || email, email };
}

/**
 * An iTIP message (RFC 5546) for a person: REQUEST puts the sessions into their calendar or
 * updates them (same UID, higher SEQUENCE), CANCEL removes them. Times are written in
 * Europe/Berlin with its VTIMEZONE, so Outlook shows them right in summer and winter;
 * ical-generator writes a plain Date in the process' zone, a TZDate in its own zone.
 */
export function writeInvitation(invitation: Invitation): string {
  const { attendee, ...sameForEveryone } = invitation;
  return invitationWriter(sameForEveryone)(attendee);
}

/**
 * The same message for many people (a session moved: everyone with a seat): ical-generator
 * folds its whole output through a TextEncoder, character by character, which for 300
 * people cost seconds of a coordinator's request. So the calendar is written once, and each
 * person's ATTENDEE line (written and folded by the library too) goes into every event.
 */
export function invitationWriter(invitation: Omit<Invitation, 'attendee'>): (attendee: Invitation['attendee']) => string {
  const organizer = organizerOf(invitation.organizer);
  const calendar = ical({
    prodId: { company: 'KoKoMa Campus', product: 'kokoma-campus', language: 'DE' },
    method: invitation.method === 'CANCEL' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
    // No calendar-wide zone: DTSTAMP stays in UTC (ical-generator writes it in that zone); each event names its own.
    timezone: { name: null, generator: getVtimezoneComponent },
  });
  for (const session of invitation.sessions) {
    calendar.createEvent({
      id: sessionUid(session.sessionId, invitation.host),
      sequence: session.sequence,
      timezone: TIME_ZONE,
      start: new TZDate(session.startsAt.getTime(), TIME_ZONE),
      end: new TZDate(session.endsAt.getTime(), TIME_ZONE),
      summary: session.summary,
      description: `${session.description}\n\n${session.url}`,
      location: session.location || null,
      url: session.url,
      organizer,
      status: invitation.method === 'CANCEL' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    });
  }
  const template = calendar.toString();
  const owner = calendar.createEvent({ start: new Date(0) });
  return (attendee) => {
    const line = new ICalAttendee({ email: attendee.email, name: attendee.name, role: ICalAttendeeRole.REQ, status: ICalAttendeeStatus.NEEDSACTION, rsvp: false }, owner).toString();
    return template.replaceAll('END:VEVENT\r\n', () => `${foldLines(line)}END:VEVENT\r\n`);
  };
}
