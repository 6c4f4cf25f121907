import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { contactsOf } from '../accounts/contacts.service';
import { formatDate, formatTime } from '../shared/format';
import { composeMail, greetingNameOf } from '../mail/compose';
import type { Mailer, OutgoingMail } from '../mail/mailer';
import { createOutbox } from '../mail/outbox.service';
import { claimDueReminders } from './enrollment.queries';

/**
 * Reminds confirmed participants of each session SESSION_REMINDER_LEAD_HOURS ahead (48 by
 * default) with time, place and the link to the check-in page; safe to run on every instance
 * at once (each person and session is claimed once in session_reminders). Takes the
 * transport like the other scheduled jobs and queues the reminders in
 * the outbox, so a mail server that is down delays them instead of losing them.
 */
export function createReminderService(db: Database, mailer: Mailer, config: Config, logger: Logger) {
  const outbox = createOutbox({ db, mailer, logger });
  return {
    async sendDueReminders(now: Date = new Date()): Promise<number> {
      return db.transaction(async (trx) => {
        // Claimed and queued in one transaction: each reminder is queued exactly once.
        const claimed = await claimDueReminders(trx, now, config.reminders.sessionLeadHours);
        if (claimed.length === 0) return 0;
        const contacts = await contactsOf(trx, claimed.map((reminder) => reminder.user_id));
        const mails: OutgoingMail[] = [];
        for (const reminder of claimed) {
          const contact = contacts.get(reminder.user_id);
          if (!contact) continue;
          mails.push(
            await composeMail(contact.email, contact.locale, {
              key: 'messages.reminderMails.session',
              params: {
                name: greetingNameOf(contact),
                offering: reminder.offering_title,
                session: reminder.module_title ? `${reminder.programme_title}: ${reminder.module_title}` : reminder.programme_title,
                date: formatDate(reminder.starts_at, contact.locale),
                time: formatTime(reminder.starts_at, contact.locale),
                location: reminder.location || '–',
                region: config.region.name,
              },
              // Participants check themselves in there with the code the trainer shows.
              actionUrl: `${config.baseUrl}/check-in`,
              kind: 'reminder.session',
              userId: reminder.user_id,
            }),
          );
        }
        await outbox.queue(trx, mails);
        logger.info({ queued: mails.length }, 'session reminders queued');
        return mails.length;
      });
    },

    /** Waits for this service's background delivery (shutdown, tests). */
    idle: () => outbox.idle(),
  };
}

export type ReminderService = ReturnType<typeof createReminderService>;
