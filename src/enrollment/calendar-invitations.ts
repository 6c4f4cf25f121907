import type { Knex } from 'knex';
import type { Config } from '../config';
import { contactsOf, type Contact } from '../accounts/contacts.service';
import { invitationWriter, type InvitationMethod, type InvitationSession } from '../calendar/invitation';
import type { SessionPlace, SessionRescheduled, SessionsListener } from '../catalog/sessions.listener';
import { translatorFor, type Locale } from '../i18n/i18n';
import { composeMail, greetingNameOf } from '../mail/compose';
import type { CalendarPart, OutgoingMail } from '../mail/mailer';
import type { Outbox } from '../mail/outbox.service';
import { formatDate, formatTimeRange } from '../shared/format';
import * as queries from './calendar-invitations.queries';

export type { InvitationSessionRow } from './calendar-invitations.queries';
export { selectInvitationSessions } from './calendar-invitations.queries';

/** What a calendar entry of a session says: the same words as the personal feed. */
export function invitationSessionOf(row: queries.InvitationSessionRow, baseUrl: string): InvitationSession {
  return {
    sessionId: row.session_id,
    sequence: row.calendar_sequence,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    summary: row.module_title ? `${row.programme_title}: ${row.module_title}` : row.offering_title,
    description: `${row.programme_title} – ${row.offering_title}${row.online_url ? `\n${row.online_url}` : ''}`,
    location: row.location || row.online_url || '',
    url: `${baseUrl}/offerings/${row.offering_id}`,
  };
}

/**
 * The iTIP parts of mails about the same sessions to many people (each their own ATTENDEE):
 * the calendar is written once, see `invitationWriter`.
 */
export function calendarPartsFor(config: Config, method: InvitationMethod, sessions: InvitationSession[]): (contact: Contact) => CalendarPart {
  const write = invitationWriter({ method, sessions, organizer: config.mail.from, host: new URL(config.baseUrl).host });
  return (contact) => ({ method, content: write({ email: contact.email, name: greetingNameOf(contact) }) });
}

const when = (place: SessionPlace, locale: Locale) => `${formatDate(place.startsAt, locale)}, ${formatTimeRange(place.startsAt, place.endsAt, locale)}`;

/** "Termin „Modul 2“: Zeit: bisher …, neu …" – exactly what changed, old and new, in the person's language. */
export function describeChange(locale: Locale, title: string, change: SessionRescheduled): string {
  const t = translatorFor(locale);
  const { before, after } = change;
  const none = t('calendar.changes.none');
  const parts: string[] = [];
  if (before.startsAt.getTime() !== after.startsAt.getTime() || before.endsAt.getTime() !== after.endsAt.getTime()) {
    parts.push(t('calendar.changes.time', { from: when(before, locale), to: when(after, locale) }));
  }
  if (before.location !== after.location) parts.push(t('calendar.changes.location', { from: before.location || none, to: after.location || none }));
  if ((before.onlineUrl ?? '') !== (after.onlineUrl ?? '')) parts.push(t('calendar.changes.onlineUrl', { from: before.onlineUrl || none, to: after.onlineUrl || none }));
  return t('calendar.changes.session', { session: title, changes: parts.join(' ') });
}

/**
 * How the catalog's session changes reach calendars (the port in catalog/sessions.listener.ts):
 * everyone with a confirmed seat gets a mail in their language saying what changed, with an
 * invitation carrying the same UID and the raised SEQUENCE. All mails are queued with one
 * insert in the catalog's transaction; the outbox sends them after the commit.
 */
export function createSessionCalendarUpdates(outbox: Outbox, config: Config): SessionsListener {
  async function peopleWithSeat(trx: Knex.Transaction, offeringId: number): Promise<Contact[]> {
    const userIds = await queries.selectConfirmedUserIds(trx, offeringId);
    const contacts = await contactsOf(trx, userIds);
    return [...contacts.values()].filter((contact) => contact.active);
  }

  return {
    async sessionsRescheduled(trx, offeringId, changes) {
      const people = await peopleWithSeat(trx, offeringId);
      if (people.length === 0) return;
      const changed = new Set(changes.map((change) => change.sessionId));
      const rows = (await queries.selectInvitationSessions(trx, [offeringId])).filter((row) => changed.has(row.session_id));
      if (rows.length === 0) return;
      const titleOf = new Map(rows.map((row) => [row.session_id, row.module_title ?? row.offering_title]));
      const invitationOf = calendarPartsFor(
        config,
        'REQUEST',
        rows.map((row) => invitationSessionOf(row, config.baseUrl)),
      );
      // Composed side by side: each mail waits for its template files, not for the mail before it.
      const mails: OutgoingMail[] = await Promise.all(
        people.map(async (person) => {
          const text = changes.map((change) => describeChange(person.locale, titleOf.get(change.sessionId) ?? '', change)).join(' ');
          const mail = await composeMail(person.email, person.locale, {
            key: 'calendar.mail.sessionChanged',
            params: { name: greetingNameOf(person), offering: rows[0]!.offering_title, changes: text, region: config.region.name },
            actionUrl: `${config.baseUrl}/offerings/${offeringId}`,
          });
          return { ...mail, userId: person.id, kind: 'enrollment.sessionChanged', calendar: invitationOf(person) };
        }),
      );
      await outbox.queue(trx, mails);
    },

    async sessionCancelled(trx, offeringId, sessionId) {
      const people = await peopleWithSeat(trx, offeringId);
      if (people.length === 0) return;
      const row = (await queries.selectInvitationSessions(trx, [offeringId])).find((candidate) => candidate.session_id === sessionId);
      if (!row) return;
      const cancellationOf = calendarPartsFor(config, 'CANCEL', [invitationSessionOf(row, config.baseUrl)]);
      const mails: OutgoingMail[] = await Promise.all(
        people.map(async (person) => {
          const mail = await composeMail(person.email, person.locale, {
            key: 'calendar.mail.sessionCancelled',
            params: { name: greetingNameOf(person), offering: row.offering_title, session: row.module_title ?? row.offering_title, when: when({ startsAt: row.starts_at, endsAt: row.ends_at, location: row.location, onlineUrl: row.online_url }, person.locale), region: config.region.name },
            actionUrl: `${config.baseUrl}/offerings/${offeringId}`,
          });
          return { ...mail, userId: person.id, kind: 'enrollment.sessionCancelled', calendar: cancellationOf(person) };
        }),
      );
      await outbox.queue(trx, mails);
    },
  };
}
