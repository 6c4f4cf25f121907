import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { contactsOf } from '../accounts/contacts.service';
import type { Config } from '../config';
import type { Database } from '../db/database';
import type { ScheduledJob } from '../jobs/jobs';
import { composeMail, greetingNameOf } from '../mail/compose';
import type { OutgoingMail } from '../mail/mailer';
import type { Outbox } from '../mail/outbox.service';
import { formatDate } from '../shared/format';
import { translatorFor, type Locale } from '../i18n/i18n';
import * as queries from './evaluations.queries';

/** The one reminder goes this many days before closing (or halfway through a shorter period). */
export const REMINDER_DAYS_BEFORE_CLOSING = 3;
const REMINDER_KIND = 'evaluation.reminder';

export type LifecycleRun = { opened: number; invited: number; reminded: number; closed: number };

/** "Kommunales Konfliktmanagement: Modul 2 (Durchgang Frühjahr)", in the person's language. */
export function subjectOf(row: Pick<queries.Invitation, 'scope' | 'offering_title' | 'programme_title' | 'module_title' | 'session_starts_at'>, locale: Locale): string {
  const t = translatorFor(locale);
  const key = `evaluationAnswers.subject.${row.scope}`;
  return t(key, {
    offering: row.offering_title,
    programme: row.programme_title,
    module: row.module_title ?? row.programme_title,
    date: row.session_starts_at ? formatDate(row.session_starts_at, locale) : '',
  });
}

/**
 * The lifecycle of evaluations, run by the scheduled job every 15 minutes on whichever
 * instance takes it (and by tests with their own `now`): open evaluations of subjects that
 * ended and invite the people marked present or late; invite people marked later; send the one
 * reminder to those who have not answered; close evaluations past their end (counts stay,
 * participants go). Each step is its own transaction, the mails queued inside it.
 */
export function createEvaluationLifecycle({ db, outbox, config, logger }: { db: Database; outbox: Pick<Outbox, 'queue' | 'forgetFinished'>; config: Config; logger?: Logger }) {
  async function mailsFor(trx: Knex.Transaction, rows: queries.Invitation[], kind: 'invitation' | 'reminder'): Promise<OutgoingMail[]> {
    const contacts = await contactsOf(trx as unknown as Database, rows.map((row) => row.user_id));
    const mails: OutgoingMail[] = [];
    for (const row of rows) {
      const contact = contacts.get(row.user_id);
      if (!contact || !contact.active) continue;
      const mail = await composeMail(contact.email, contact.locale, {
        key: `evaluationAnswers.mail.${kind}`,
        params: { name: greetingNameOf(contact), subject: subjectOf(row, contact.locale), closes: formatDate(row.closes_at, contact.locale), region: config.region.name },
        actionUrl: `${config.baseUrl}/evaluations/${row.evaluation_id}`,
      });
      // A reminder says "had not answered yet": it stays out of the person's message history (a
      // year) and leaves the outbox when an evaluation closes (below), like the yes/no it came from.
      mails.push({ ...mail, userId: kind === 'invitation' ? row.user_id : null, kind: `evaluation.${kind}` });
    }
    return mails;
  }

  return {
    async run(now: Date = new Date()): Promise<LifecycleRun> {
      const opened = await db.transaction(async (trx) => {
        await queries.lockAssignedQuestionnaires(trx);
        const created = await queries.openEndedSubjects(trx, now);
        await queries.markVersionsInUse(trx, [...new Set(created.map((row) => row.version_id))], now);
        return created.length;
      });
      const invited = await db.transaction(async (trx) => {
        const added = await queries.addAttendees(trx, now);
        await outbox.queue(trx, await mailsFor(trx, added, 'invitation'));
        return added.length;
      });
      const reminded = await db.transaction(async (trx) => {
        const due = await queries.claimDueReminders(trx, now, REMINDER_DAYS_BEFORE_CLOSING);
        await outbox.queue(trx, await mailsFor(trx, due, 'reminder'));
        return due.length;
      });
      const closed = await db.transaction(async (trx) => {
        const count = await queries.closeDue(trx, now);
        if (count > 0) await outbox.forgetFinished(trx, REMINDER_KIND);
        return count;
      });
      const result = { opened, invited, reminded, closed };
      // Counts only: nothing here says who was invited or who answered.
      if (opened + invited + reminded + closed > 0) logger?.info(result, 'evaluation lifecycle run');
      return result;
    },
  };
}

export type EvaluationLifecycle = ReturnType<typeof createEvaluationLifecycle>;

/** Every 15 minutes, like the session reminders: an evaluation opens at most a quarter of an hour after its subject ends. */
export function evaluationLifecycleJob(lifecycle: EvaluationLifecycle): ScheduledJob {
  return { name: 'evaluation-lifecycle', cron: '*/15 * * * *', run: () => lifecycle.run() };
}
