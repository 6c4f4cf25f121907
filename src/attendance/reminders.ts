import type { Logger } from 'pino';
import { contactsOf } from '../accounts/contacts.service';
import type { Config } from '../config';
import type { Database } from '../db/database';
import type { ScheduledJob } from '../jobs/jobs';
import { composeMail, greetingNameOf } from '../mail/compose';
import type { OutgoingMail } from '../mail/mailer';
import type { Outbox } from '../mail/outbox.service';
import { claimReminders } from '../mail/reminder-claims';
import { formatDate, formatTime } from '../shared/format';
import * as queries from './reminders.queries';

/** A roll call still missing after this long is for the coordination (their start page), not another mail. */
export const ROLL_CALL_LOOK_BACK_DAYS = 7;
/** An absence older than this is not worth a first reminder any more (e.g. when the rule is switched on). */
export const EXCUSE_LOOK_BACK_DAYS = 14;

type Rule = {
  name: 'reminder.rollCallToday' | 'reminder.rollCallMissing' | 'reminder.excuse';
  mail: string;
  candidates: (db: Database, now: Date) => Promise<queries.ReminderCandidate[]>;
  link: (baseUrl: string, sessionId: number) => string;
};

/**
 * The attendance domain's reminders (issue 17), each sent once per session and person across
 * all instances (claimed through the mail domain in the transaction that queues the mail):
 * - trainers, on the day of a session: the link to its roll call;
 * - trainers, the morning after, if no attendance was recorded: a reminder;
 * - participants marked absent without excuse: that they may send one.
 */
export const ATTENDANCE_REMINDER_RULES: Rule[] = [
  {
    name: 'reminder.rollCallToday',
    mail: 'messages.reminderMails.rollCallToday',
    candidates: (db, now) => queries.selectTrainersOfTodaysSessions(db, now),
    link: (baseUrl, sessionId) => `${baseUrl}/attendance/sessions/${sessionId}`,
  },
  {
    name: 'reminder.rollCallMissing',
    mail: 'messages.reminderMails.rollCallMissing',
    candidates: (db, now) => queries.selectTrainersWithRollCallMissing(db, now, ROLL_CALL_LOOK_BACK_DAYS),
    link: (baseUrl, sessionId) => `${baseUrl}/attendance/sessions/${sessionId}`,
  },
  {
    name: 'reminder.excuse',
    mail: 'messages.reminderMails.excuse',
    candidates: (db, now) => queries.selectAbsentWithoutExcuse(db, now, EXCUSE_LOOK_BACK_DAYS),
    link: (baseUrl, sessionId) => `${baseUrl}/my/sessions/${sessionId}/excuse`,
  },
];

export function createAttendanceReminders({ db, outbox, config, logger }: { db: Database; outbox: Outbox; config: Config; logger: Logger }) {
  async function runRule(rule: Rule, now: Date): Promise<number> {
    const candidates = await rule.candidates(db, now);
    if (candidates.length === 0) return 0;
    return db.transaction(async (trx) => {
      const won = await claimReminders(trx, rule.name, candidates.map((candidate) => ({ subjectId: candidate.session_id, userId: candidate.user_id })));
      if (won.length === 0) return 0;
      const wonKeys = new Set(won.map((target) => `${target.subjectId}:${target.userId}`));
      const chosen = candidates.filter((candidate) => wonKeys.has(`${candidate.session_id}:${candidate.user_id}`));
      const contacts = await contactsOf(trx, chosen.map((candidate) => candidate.user_id));
      const mails: OutgoingMail[] = [];
      for (const candidate of chosen) {
        const contact = contacts.get(candidate.user_id);
        if (!contact) continue;
        mails.push(
          await composeMail(contact.email, contact.locale, {
            key: rule.mail,
            params: {
              name: greetingNameOf(contact),
              session: candidate.module_title ? `${candidate.programme_title}: ${candidate.module_title}` : candidate.offering_title,
              date: formatDate(candidate.starts_at, contact.locale),
              time: formatTime(candidate.starts_at, contact.locale),
              location: candidate.location || '–',
              region: config.region.name,
            },
            actionUrl: rule.link(config.baseUrl, candidate.session_id),
            kind: rule.name,
            userId: candidate.user_id,
          }),
        );
      }
      await outbox.queue(trx, mails);
      return mails.length;
    });
  }

  return {
    /** Runs every rule once; safe on several instances at the same time. Returns the mails queued per rule. */
    async sendDue(now: Date = new Date()): Promise<Record<Rule['name'], number>> {
      const counts = {} as Record<Rule['name'], number>;
      for (const rule of ATTENDANCE_REMINDER_RULES) counts[rule.name] = await runRule(rule, now);
      if (Object.values(counts).some((count) => count > 0)) logger.info(counts, 'attendance reminders queued');
      return counts;
    },
  };
}

export type AttendanceReminders = ReturnType<typeof createAttendanceReminders>;

/** Every quarter hour by day (Europe/Berlin), not at night: the morning's first run (06:00) sends "roll call missing". */
export function attendanceRemindersJob(deps: { db: Database; outbox: Outbox; config: Config; logger: Logger }): ScheduledJob {
  const reminders = createAttendanceReminders(deps);
  return { name: 'attendance-reminders', cron: '*/15 6-20 * * *', run: () => reminders.sendDue() };
}
