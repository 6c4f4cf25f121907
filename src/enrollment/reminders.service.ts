import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { contactsOf } from '../accounts/contacts.service';
import { formatDate, formatTime } from '../http/format';
import { composeMail } from '../mail/compose';
import type { Mailer } from '../mail/mailer';
import { claimDueReminders } from './enrollment.queries';

export const REMINDER_HOURS_BEFORE = 48;

/** Reminds confirmed participants of sessions two days ahead; safe to run on every instance at once. */
export function createReminderService(db: Database, mailer: Mailer, config: Config, logger: Logger) {
  return {
    async sendDueReminders(now: Date = new Date()): Promise<number> {
      const claimed = await claimDueReminders(db, now, REMINDER_HOURS_BEFORE);
      if (claimed.length === 0) return 0;
      const contacts = await contactsOf(db, claimed.map((reminder) => reminder.user_id));
      let sent = 0;
      for (const reminder of claimed) {
        const contact = contacts.get(reminder.user_id);
        if (!contact) continue;
        try {
          await mailer.send(
            await composeMail(contact.email, contact.locale, {
              key: 'mail.enrollment.reminder',
              params: {
                name: contact.firstName,
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
          sent += 1;
        } catch (error) {
          // At most once: a claimed reminder is not retried, so nobody gets it twice.
          logger.error({ err: error, sessionId: reminder.session_id, userId: reminder.user_id }, 'reminder mail failed');
        }
      }
      logger.info({ sent }, 'session reminders sent');
      return sent;
    },
  };
}

export type ReminderService = ReturnType<typeof createReminderService>;
