import type { Knex } from 'knex';
import type { Config } from '../config';
import { contactsOf } from '../accounts/contacts.service';
import { INVITATION_TTL_DAYS } from '../accounts/invitations.service';
import type { InvitationMethod } from '../calendar/invitation';
import { composeMail, greetingNameOf } from '../mail/compose';
import type { OutgoingMail } from '../mail/mailer';
import type { Outbox } from '../mail/outbox.service';
import { calendarPartsFor, invitationSessionOf, selectInvitationSessions, type InvitationSessionRow } from './calendar-invitations';
import type { Contact } from '../accounts/contacts.service';
import type { CalendarPart } from '../mail/mailer';
import type { EnrollmentStatus } from './enrollment.queries';

export type EnrollmentNotice = {
  kind: 'confirmed' | 'waitlisted' | 'pending' | 'promoted' | 'cancelled' | 'approved' | 'rejected' | 'offeringCancelled' | 'movedAway';
  userId: number;
  offeringId: number;
  offeringTitle: string;
  position?: number;
  /** Set for a person whose account was just created by a coordinator: the mail is their invitation. */
  invitationToken?: string;
  /** The status a cancellation ended: only a confirmed seat had calendar entries to remove. */
  previousStatus?: EnrollmentStatus;
  /** 'movedAway': the offering the person was moved to (they get its confirmation separately). */
  targetTitle?: string;
};

/** A seat: the offering's sessions go into the person's calendar. */
const INVITING: ReadonlySet<EnrollmentNotice['kind']> = new Set(['confirmed', 'promoted', 'approved']);
/** A seat given up: its sessions leave the calendar (waitlisted or pending people never had them). */
const REMOVING: ReadonlySet<EnrollmentNotice['kind']> = new Set(['cancelled', 'offeringCancelled', 'movedAway']);

function calendarMethodOf(notice: EnrollmentNotice): InvitationMethod | null {
  if (INVITING.has(notice.kind)) return 'REQUEST';
  if (REMOVING.has(notice.kind) && notice.previousStatus === 'confirmed') return 'CANCEL';
  return null;
}

/**
 * Mails about enrollments are queued in the outbox in the transaction of the change they
 * tell about, and sent from there with retries: a committed seat always has its mail, a
 * rolled-back one has none, and a failing mail server neither undoes a seat nor loses the mail.
 *
 * A confirmed seat's mail carries the offering's sessions still to come as a calendar
 * invitation (iTIP REQUEST), a seat given up a CANCEL for them; UID and SEQUENCE are the
 * sessions' own, so later updates and the personal feed change the same entries.
 */
export function createEnrollmentNotifier(outbox: Outbox, config: Config, now: () => Date = () => new Date()) {
  return async (trx: Knex.Transaction, notices: EnrollmentNotice[]): Promise<void> => {
    if (notices.length === 0) return;
    const contacts = await contactsOf(trx, notices.map((notice) => notice.userId));
    const withCalendar = [...new Set(notices.filter((notice) => calendarMethodOf(notice) !== null).map((notice) => notice.offeringId))];
    const moment = now();
    const sessionsByOffering = new Map<number, InvitationSessionRow[]>();
    for (const row of await selectInvitationSessions(trx, withCalendar)) {
      if (row.ends_at <= moment) continue;
      sessionsByOffering.set(row.offering_id, [...(sessionsByOffering.get(row.offering_id) ?? []), row]);
    }
    // An offering cancelled for 300 people: its CANCEL is written once, with each person's ATTENDEE.
    const writers = new Map<string, (contact: Contact) => CalendarPart>();
    const calendarPartOf = (offeringId: number, method: InvitationMethod, contact: Contact): CalendarPart => {
      const key = `${offeringId}:${method}`;
      let write = writers.get(key);
      if (!write) {
        write = calendarPartsFor(
          config,
          method,
          (sessionsByOffering.get(offeringId) ?? []).map((row) => invitationSessionOf(row, config.baseUrl)),
        );
        writers.set(key, write);
      }
      return write(contact);
    };
    const mails: OutgoingMail[] = [];
    for (const notice of notices) {
      const contact = contacts.get(notice.userId);
      if (!contact || !contact.active) continue;
      const sessions = sessionsByOffering.get(notice.offeringId) ?? [];
      const method = sessions.length > 0 ? calendarMethodOf(notice) : null;
      // Moved away from an offering: the mail is only about the calendar entries to remove.
      if (notice.kind === 'movedAway' && !method) continue;
      // One mail for an invited person: the enrollment and the link to set a password.
      const invitation = notice.invitationToken;
      const plainKey = invitation ? `bulk.mail.invitation.${notice.kind}` : `mail.enrollment.${notice.kind}`;
      // The same texts, with a sentence about the attached invitation (calendar.json nests the originals).
      const key = method ? `calendar.mail.${invitation ? 'invitation' : 'enrollment'}.${notice.kind}` : plainKey;
      const mail = await composeMail(contact.email, contact.locale, {
        key,
        params: {
          name: greetingNameOf(contact),
          offering: notice.offeringTitle,
          target: notice.targetTitle,
          position: notice.position,
          region: config.region.name,
          days: INVITATION_TTL_DAYS,
        },
        actionUrl: invitation ? `${config.baseUrl}/invitation/${invitation}` : `${config.baseUrl}/offerings/${notice.offeringId}`,
      });
      const calendar = method ? calendarPartOf(notice.offeringId, method, contact) : undefined;
      mails.push({ ...mail, userId: contact.id, kind: `enrollment.${notice.kind}`, ...(calendar ? { calendar } : {}) });
    }
    await outbox.queue(trx, mails);
  };
}

export type EnrollmentNotifier = ReturnType<typeof createEnrollmentNotifier>;
