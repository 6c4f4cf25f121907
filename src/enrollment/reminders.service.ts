import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { contactsOf } from '../accounts/contacts.service';
import { formatDate, formatTime } from '../shared/format';
import { composeMail, greetingNameOf } from '../mail/compose';
import type { Mailer, OutgoingMail } from '../mail/mailer';
import { createOutbox } from '../mail/outbox.service';
import { claimDueReminders } from './enrollment.queries';

export const REMINDER_HOURS_BEFORE = 48;

/**
 * Reminds confirmed participants of sessions two days ahead; safe to run on every instance
 * at once. Takes the transport like the other scheduled jobs and queues the reminders in
 * the outbox, so a mail server that is down delays them instead of losing them.
 */
export function createReminderService(db: Database, mailer: Mailer, config: Config, logger: Logger) {
  const outbox = createOutbox({ db, mailer, logger });
  return {
    async sendDueReminders(now: Date = new Date()): Promise<number> {
      return db.transaction(async (trx) => {
        // Claimed and queued in one transaction: each reminder is queued exactly once.
        const claimed = await claimDueReminders(trx, now, REMINDER_HOURS_BEFORE);
        if (claimed.length === 0) return 0;
        const contacts = await contactsOf(trx, claimed.map((reminder) => reminder.user_id));
        const mails: OutgoingMail[] = [];
        for (const reminder of claimed) {
          const contact = contacts.get(reminder.user_id);
          if (!contact) continue;
          mails.push(
            await composeMail(contact.email, contact.locale, {
              key: 'mail.enrollment.reminder',
              params: {
                name: greetingNameOf(contact),
                offering: reminder.offering_title,
                session: reminder.module_title ? `${reminder.programme_title}: ${reminder.module_title}` : reminder.programme_title,
                date: formatDate(reminder.starts_at, contact.locale),
                time: formatTime(reminder.starts_at, contact.locale),
                location: reminder.location || '–',
                region: config.region.name,
              },
              actionUrl: `${config.baseUrl}/offerings/${reminder.offering_id}`,
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
