import type { Knex } from 'knex';
import type { Config } from '../config';
import { contactsOf } from '../accounts/contacts.service';
import { INVITATION_TTL_DAYS } from '../accounts/invitations.service';
import { composeMail, greetingNameOf } from '../mail/compose';
import type { OutgoingMail } from '../mail/mailer';
import type { Outbox } from '../mail/outbox.service';

export type EnrollmentNotice = {
  kind: 'confirmed' | 'waitlisted' | 'pending' | 'promoted' | 'cancelled' | 'approved' | 'rejected' | 'offeringCancelled';
  userId: number;
  offeringId: number;
  offeringTitle: string;
  position?: number;
  /** Set for a person whose account was just created by a coordinator: the mail is their invitation. */
  invitationToken?: string;
};

/**
 * Mails about enrollments are queued in the outbox in the transaction of the change they
 * tell about, and sent from there with retries: a committed seat always has its mail, a
 * rolled-back one has none, and a failing mail server neither undoes a seat nor loses the mail.
 */
export function createEnrollmentNotifier(outbox: Outbox, config: Config) {
  return async (trx: Knex.Transaction, notices: EnrollmentNotice[]): Promise<void> => {
    if (notices.length === 0) return;
    const contacts = await contactsOf(trx, notices.map((notice) => notice.userId));
    const mails: OutgoingMail[] = [];
    for (const notice of notices) {
      const contact = contacts.get(notice.userId);
      if (!contact || !contact.active) continue;
      // One mail for an invited person: the enrollment and the link to set a password.
      const invitation = notice.invitationToken;
      mails.push(
        await composeMail(contact.email, contact.locale, {
          key: invitation ? `bulk.mail.invitation.${notice.kind}` : `mail.enrollment.${notice.kind}`,
          params: { name: greetingNameOf(contact), offering: notice.offeringTitle, position: notice.position, region: config.region.name, days: INVITATION_TTL_DAYS },
          actionUrl: invitation ? `${config.baseUrl}/invitation/${invitation}` : `${config.baseUrl}/offerings/${notice.offeringId}`,
        }),
      );
    }
    await outbox.queue(trx, mails);
  };
}

export type EnrollmentNotifier = ReturnType<typeof createEnrollmentNotifier>;
