import { createAttendanceReminders } from '../../src/attendance/reminders';
import { createReminderService } from '../../src/enrollment/reminders.service';
import { createLogger } from '../../src/http/logger';
import type { Mailer, OutgoingMail } from '../../src/mail/mailer';
import { createOutbox } from '../../src/mail/outbox.service';
import { testConfig, useTestApp } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { openTestDatabase } from '../support/database';
import { createUser } from '../support/factories';
import { loginAs, textOf } from '../support/http';

const HOUR_MS = 60 * 60 * 1000;
/** A session on Thursday, 10 December 2026, 10:00–16:00 in Berlin (09:00–15:00 UTC). */
const SESSION_START = new Date('2026-12-10T09:00:00Z');
const SESSION_END = new Date('2026-12-10T15:00:00Z');
const SAME_DAY_MORNING = new Date('2026-12-10T06:00:00Z');
const DAY_BEFORE = new Date('2026-12-09T12:00:00Z');
const NEXT_MORNING = new Date('2026-12-11T05:15:00Z');

function recordingMailer(): Mailer & { sent: OutgoingMail[] } {
  const sent: OutgoingMail[] = [];
  return { sent, send: async (mail) => void sent.push(mail), close: () => undefined };
}

describe('reminders by rule', () => {
  const ctx = useTestApp();

  /** An offering with one session at SESSION_START, its trainer and two confirmed participants. */
  async function heldSession(options: { trainerLocale?: 'de' | 'en' } = {}) {
    const trainer = await createUser(ctx.db, { role: 'trainer', firstName: 'Tilo', locale: options.trainerLocale ?? 'de' });
    const offering = await createOffering(ctx.db, { trainerIds: [trainer.id], title: 'Workshop Dezember' });
    const sessionId = offering.sessionIds[0]!;
    await ctx.db('offering_sessions').where('id', sessionId).update({ starts_at: SESSION_START, ends_at: SESSION_END });
    const participants = [await createUser(ctx.db, { firstName: 'Paula' }), await createUser(ctx.db, { firstName: 'Piet', locale: 'en' })];
    for (const person of participants) await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
    return { trainer, offering, sessionId, participants };
  }

  function attendanceReminders(db = ctx.db, mailer?: Mailer) {
    const outbox = mailer ? createOutbox({ db, mailer, logger: createLogger(ctx.config) }) : ctx.outbox;
    return { reminders: createAttendanceReminders({ db, outbox, config: ctx.config, logger: createLogger(ctx.config) }), outbox };
  }

  it('sends the trainer the roll call link on the day of the session, once, in their language; not the day before', async () => {
    const { trainer, sessionId } = await heldSession({ trainerLocale: 'en' });
    const { reminders } = attendanceReminders();
    expect((await reminders.sendDue(DAY_BEFORE))['reminder.rollCallToday']).toBe(0);
    expect((await reminders.sendDue(SAME_DAY_MORNING))['reminder.rollCallToday']).toBe(1);
    expect((await reminders.sendDue(new Date(SAME_DAY_MORNING.getTime() + HOUR_MS)))['reminder.rollCallToday']).toBe(0);
    await ctx.deliverMail();
    expect(ctx.mailbox).toHaveLength(1);
    const [mail] = ctx.mailbox;
    expect(mail!.to).toBe(trainer.email);
    expect(mail!.subject).toBe('Today: Workshop Dezember – take the roll call');
    expect(mail!.text).toContain('today at 10:00');
    expect(mail!.text).toContain(`http://campus.test/attendance/sessions/${sessionId}`);
    expect(mail!.kind).toBe('reminder.rollCallToday');
  });

  it('reminds the trainer the next morning only while the roll call is missing', async () => {
    const first = await heldSession();
    const second = await heldSession();
    await ctx.db('attendance_records').insert({ session_id: second.sessionId, user_id: second.participants[0]!.id, status: 'present', source: 'roll_call', recorded_by: second.trainer.id });
    const { reminders } = attendanceReminders();
    // On the day itself the roll call is not "missing" yet.
    expect((await reminders.sendDue(new Date(SESSION_END.getTime() + HOUR_MS)))['reminder.rollCallMissing']).toBe(0);
    expect((await reminders.sendDue(NEXT_MORNING))['reminder.rollCallMissing']).toBe(1);
    expect((await reminders.sendDue(new Date(NEXT_MORNING.getTime() + 24 * HOUR_MS)))['reminder.rollCallMissing']).toBe(0);
    await ctx.deliverMail();
    const missing = ctx.mailbox.filter((mail) => mail.kind === 'reminder.rollCallMissing');
    expect(missing.map((mail) => mail.to)).toEqual([first.trainer.email]);
    expect(missing[0]!.subject).toBe('Anwesenheit fehlt: Workshop Dezember am 10.12.2026');
    expect(missing[0]!.text).toContain(`Guten Tag Tilo ${first.trainer.lastName},`);
  });

  it('tells a participant marked absent that they may send an excuse, once, and nobody who sent one or attended', async () => {
    const { trainer, sessionId, participants } = await heldSession();
    const [absent, excused] = participants as [(typeof participants)[0], (typeof participants)[0]];
    const attended = await createUser(ctx.db);
    await ctx.db('enrollments').insert({ offering_id: (await ctx.db('offering_sessions').where('id', sessionId).first('offering_id')).offering_id, user_id: attended.id, status: 'confirmed' });
    await ctx.db('attendance_records').insert([
      { session_id: sessionId, user_id: absent.id, status: 'absent', source: 'roll_call', recorded_by: trainer.id },
      { session_id: sessionId, user_id: excused.id, status: 'absent', source: 'roll_call', recorded_by: trainer.id },
      { session_id: sessionId, user_id: attended.id, status: 'present', source: 'roll_call', recorded_by: trainer.id },
    ]);
    await ctx.db('excuses').insert({ session_id: sessionId, user_id: excused.id, reason: 'Krank' });
    const { reminders } = attendanceReminders();
    expect((await reminders.sendDue(NEXT_MORNING))['reminder.excuse']).toBe(1);
    expect((await reminders.sendDue(new Date(NEXT_MORNING.getTime() + HOUR_MS)))['reminder.excuse']).toBe(0);
    await ctx.deliverMail();
    const excuseMails = ctx.mailbox.filter((mail) => mail.kind === 'reminder.excuse');
    expect(excuseMails.map((mail) => mail.to)).toEqual([absent.email]);
    expect(excuseMails[0]!.text).toContain(`http://campus.test/my/sessions/${sessionId}/excuse`);
    // Three weeks later a first reminder is no longer sent.
    await ctx.db('reminder_claims').delete();
    expect((await reminders.sendDue(new Date(NEXT_MORNING.getTime() + 21 * 24 * HOUR_MS)))['reminder.excuse']).toBe(0);
  });

  it('sends each reminder exactly once when two app instances run the rules at the same time', async () => {
    const sessions = [await heldSession(), await heldSession()];
    const a = { db: openTestDatabase(), mailer: recordingMailer() };
    const b = { db: openTestDatabase(), mailer: recordingMailer() };
    try {
      const instanceA = attendanceReminders(a.db, a.mailer);
      const instanceB = attendanceReminders(b.db, b.mailer);
      await Promise.all([instanceA.reminders.sendDue(SAME_DAY_MORNING), instanceB.reminders.sendDue(SAME_DAY_MORNING), instanceA.reminders.sendDue(SAME_DAY_MORNING), instanceB.reminders.sendDue(SAME_DAY_MORNING)]);
      await Promise.all([instanceA.outbox.idle(), instanceB.outbox.idle()]);
      await Promise.all([instanceA.outbox.deliverDue(), instanceB.outbox.deliverDue()]);
      const all = [...a.mailer.sent, ...b.mailer.sent];
      expect(all.map((mail) => mail.to).sort()).toEqual(sessions.map((session) => session.trainer.email).sort());
    } finally {
      await a.db.destroy();
      await b.db.destroy();
    }
  });

  it('reminds participants as many hours ahead as SESSION_REMINDER_LEAD_HOURS says, with place, time and the check-in link', async () => {
    const offering = await createOffering(ctx.db, { startsInDays: 60 / 24, registrationClosesInDays: 0 });
    const person = await createUser(ctx.db, { locale: 'en', firstName: 'Enno' });
    await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
    const logger = createLogger(ctx.config);
    const mailer = recordingMailer();
    expect(await createReminderService(ctx.db, mailer, ctx.config, logger).sendDueReminders()).toBe(0);
    const threeDays = createReminderService(ctx.db, mailer, testConfig({ SESSION_REMINDER_LEAD_HOURS: '72' }), logger);
    expect(await threeDays.sendDueReminders()).toBe(1);
    await threeDays.idle();
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]!.subject).toMatch(/^Reminder: /);
    expect(mailer.sent[0]!.text).toContain('Place: Landratsamt, Saal 1');
    expect(mailer.sent[0]!.text).toContain('http://campus.test/check-in');
  });

  it('lists reminders in the message history: the person sees theirs, coordination anybody\'s, another participant nobody else\'s', async () => {
    const { trainer } = await heldSession();
    await attendanceReminders().reminders.sendDue(SAME_DAY_MORNING);
    await ctx.deliverMail();
    const own = await (await loginAs(ctx.app, trainer)).get('/my/messages');
    expect(own.status).toBe(200);
    expect(textOf(own.text)).toContain('Heute: Workshop Dezember – Anwesenheit erfassen');
    expect(textOf(own.text)).toContain('Anwesenheit heute erfassen');
    expect(textOf(own.text)).toContain('Versendet');

    const coordinator = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
    const seen = await coordinator.get(`/reports/people/${trainer.id}/messages`);
    expect(seen.status).toBe(200);
    expect(textOf(seen.text)).toContain('Heute: Workshop Dezember – Anwesenheit erfassen');

    const other = await loginAs(ctx.app, await createUser(ctx.db));
    expect((await other.get(`/reports/people/${trainer.id}/messages`)).status).toBe(403);
    expect(textOf((await other.get('/my/messages')).text)).toContain('Bisher wurden keine Nachrichten verschickt.');
  });
});
