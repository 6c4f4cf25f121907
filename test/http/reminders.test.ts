import { createReminderService } from '../../src/enrollment/reminders.service';
import { createLogger } from '../../src/http/logger';
import { startJobs } from '../../src/jobs/jobs';
import type { Mailer, OutgoingMail } from '../../src/mail/mailer';
import { useTestApp } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { openTestDatabase, testDatabaseUrl } from '../support/database';
import { createUser } from '../support/factories';

const HOUR_MS = 60 * 60 * 1000;

function recordingMailer(): Mailer & { sent: OutgoingMail[] } {
  const sent: OutgoingMail[] = [];
  return { sent, send: async (mail) => void sent.push(mail), close: () => undefined };
}

describe('session reminders', () => {
  const ctx = useTestApp();

  async function sessionInHours(hours: number, people: { confirmed: number; waitlisted: number }) {
    const offering = await createOffering(ctx.db, { capacity: Math.max(1, people.confirmed), startsInDays: hours / 24, registrationClosesInDays: 0 });
    const confirmed = [];
    for (let index = 0; index < people.confirmed; index += 1) {
      const user = await createUser(ctx.db);
      await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: user.id, status: 'confirmed' });
      confirmed.push(user);
    }
    for (let index = 0; index < people.waitlisted; index += 1) {
      const user = await createUser(ctx.db);
      await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: user.id, status: 'waitlisted' });
    }
    return { offering, confirmed };
  }

  it('reminds each confirmed participant exactly once, even when two app instances run the job at the same time', async () => {
    const { confirmed } = await sessionInHours(47, { confirmed: 6, waitlisted: 2 });
    await sessionInHours(24 * 5, { confirmed: 3, waitlisted: 0 });
    const logger = createLogger(ctx.config);
    const instanceA = { db: openTestDatabase(), mailer: recordingMailer() };
    const instanceB = { db: openTestDatabase(), mailer: recordingMailer() };
    try {
      const a = createReminderService(instanceA.db, instanceA.mailer, ctx.config, logger);
      const b = createReminderService(instanceB.db, instanceB.mailer, ctx.config, logger);
      await Promise.all([a.sendDueReminders(), b.sendDueReminders(), a.sendDueReminders(), b.sendDueReminders()]);
      // Reminders go out from the outbox right after their transaction, in the background.
      await Promise.all([a.idle(), b.idle()]);
      const all = [...instanceA.mailer.sent, ...instanceB.mailer.sent];
      expect(all.map((mail) => mail.to).sort()).toEqual(confirmed.map((user) => user.email).sort());
      expect(all[0]!.subject).toMatch(/^Erinnerung: /);
      expect(all[0]!.text).toMatch(/\d{2}\.\d{2}\.\d{4} um \d{2}:\d{2} Uhr/);
      // Greeted by full name, as the formal "Sie" asks for.
      for (const mail of all) {
        const person = confirmed.find((user) => user.email === mail.to)!;
        expect(mail.text).toContain(`Guten Tag ${person.firstName} ${person.lastName},`);
      }
      // A later run finds nothing left to send.
      expect(await a.sendDueReminders()).toBe(0);
    } finally {
      await instanceA.db.destroy();
      await instanceB.db.destroy();
    }
  });

  it('runs from the PostgreSQL job queue', async () => {
    const { confirmed } = await sessionInHours(30, { confirmed: 2, waitlisted: 0 });
    const logger = createLogger(ctx.config);
    const mailer = recordingMailer();
    const reminders = createReminderService(ctx.db, mailer, ctx.config, logger);
    const jobs = await startJobs(testDatabaseUrl(), [{ name: 'session-reminders', cron: '0 3 * * *', run: () => reminders.sendDueReminders() }], logger);
    try {
      await jobs.runNow('session-reminders');
      const deadline = Date.now() + 15_000;
      while (mailer.sent.length < confirmed.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(mailer.sent.map((mail) => mail.to).sort()).toEqual(confirmed.map((user) => user.email).sort());
    } finally {
      await jobs.stop();
    }
  });

  it('sends nothing for sessions that have started or are more than two days away', async () => {
    await sessionInHours(-1, { confirmed: 2, waitlisted: 0 });
    await sessionInHours(49, { confirmed: 2, waitlisted: 0 });
    const mailer = recordingMailer();
    const reminders = createReminderService(ctx.db, mailer, ctx.config, createLogger(ctx.config));
    expect(await reminders.sendDueReminders(new Date(Date.now() + 0 * HOUR_MS))).toBe(0);
    expect(mailer.sent).toHaveLength(0);
  });
});
