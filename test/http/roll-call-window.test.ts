import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createUser, type TestUser } from '../support/factories';
import { binaryParser, csrfTokenIn, loginAs, submitForm, textOf, type Agent } from '../support/http';
import { formatDateTime } from '../../src/shared/format';

const MINUTE_DAYS = 1 / (24 * 60);
const HOUR_MS = 60 * 60 * 1000;

describe('attendance is recorded only once a session is (about to be) under way', () => {
  const ctx = useTestApp();

  /** A workshop session taught by a trainer, with one confirmed participant. */
  async function workshopSession(startsInDays: number) {
    const trainer = await createUser(ctx.db, { role: 'trainer' });
    const programme = await createProgramme(ctx.db, { kind: 'workshop' });
    const offering = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop Winter', startsInDays, registrationOpensInDays: -30, registrationClosesInDays: -0.5, trainerIds: [trainer.id] });
    const person = await createUser(ctx.db, { firstName: 'Lea', lastName: 'Schäfer' });
    await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
    const sessionId = offering.sessionIds[0]!;
    const { starts_at: startsAt } = await ctx.db('offering_sessions').where('id', sessionId).first('starts_at');
    return { trainer, offering, person, sessionId, startsAt: startsAt as Date };
  }

  /** Moves the session so that it started an hour ago: time has passed. */
  async function sessionHasBegun(sessionId: number) {
    const startsAt = new Date(Date.now() - HOUR_MS);
    await ctx.db('offering_sessions').where('id', sessionId).update({ starts_at: startsAt, ends_at: new Date(startsAt.getTime() + 7 * HOUR_MS) });
  }

  describe('roll call', () => {
    it('shows the list of a session next week read-only with the opening time, and refuses to save it', async () => {
      const { trainer, person, sessionId, startsAt } = await workshopSession(7);
      const agent = await loginAs(ctx.app, trainer);
      const page = await agent.get(`/attendance/sessions/${sessionId}`);
      expect(page.status).toBe(200);
      const opensAt = formatDateTime(new Date(startsAt.getTime() - HOUR_MS));
      expect(textOf(page.text)).toContain(`Die Anwesenheit kann ab ${opensAt} erfasst werden.`);
      expect(textOf(page.text)).toContain('Schäfer, Lea');
      expect(page.text).not.toContain(`name="status_${person.id}"`);

      const response = await submitForm(agent, `/attendance/sessions/${sessionId}`, `/attendance/sessions/${sessionId}`, { [`status_${person.id}`]: 'present' });
      expect(response.status).toBe(422);
      expect(textOf(response.text)).toContain('Die Anwesenheit für diesen Termin kann noch nicht erfasst werden');
      expect(await ctx.db('attendance_records')).toHaveLength(0);
      expect(await ctx.db('audit_events').where('action', 'attendance.recorded')).toHaveLength(0);
    });

    it('lets the trainer record attendance 30 minutes before the start', async () => {
      const { trainer, person, sessionId } = await workshopSession(30 * MINUTE_DAYS);
      const agent = await loginAs(ctx.app, trainer);
      const page = await agent.get(`/attendance/sessions/${sessionId}`);
      expect(textOf(page.text)).not.toContain('Die Anwesenheit kann ab');
      const response = await submitForm(agent, `/attendance/sessions/${sessionId}`, `/attendance/sessions/${sessionId}`, { [`status_${person.id}`]: 'present' });
      expect(response.status).toBe(303);
      expect(await ctx.db('attendance_records').where({ session_id: sessionId, user_id: person.id }).first()).toMatchObject({ status: 'present', source: 'roll_call', recorded_by: trainer.id });
    });
  });

  describe('self check-in', () => {
    async function openCheckIn(trainer: TestUser, sessionId: number) {
      const agent: Agent = await loginAs(ctx.app, trainer);
      const screen = await agent.get(`/attendance/sessions/${sessionId}/check-in`);
      return { screen, opened: await agent.post(`/attendance/sessions/${sessionId}/check-in/open`).type('form').send({ _csrf: csrfTokenIn(screen.text) }) };
    }

    it('opens together with the roll call: not 90 minutes ahead, but 45 minutes ahead', async () => {
      const early = await workshopSession(90 * MINUTE_DAYS);
      const refused = await openCheckIn(early.trainer, early.sessionId);
      expect(textOf(refused.screen.text)).toContain('Der Check-in kann nur kurz vor und während des Termins geöffnet werden.');
      expect(refused.opened.status).toBe(409);
      expect(textOf(refused.opened.text)).toContain('frühestens 60 Minuten vor Beginn');
      expect(await ctx.db('check_in_windows')).toHaveLength(0);

      const soon = await workshopSession(45 * MINUTE_DAYS);
      const { opened } = await openCheckIn(soon.trainer, soon.sessionId);
      expect(opened.status).toBe(303);
      expect(await ctx.db('check_in_windows').where('session_id', soon.sessionId)).toHaveLength(1);
    });
  });

  describe('completion and certificates', () => {
    it('do not count a person marked present for a future session, and do once the session has begun', async () => {
      const { offering, person, sessionId } = await workshopSession(7);
      // Old data: a record for a session that has not taken place yet.
      await ctx.db('attendance_records').insert({ session_id: sessionId, user_id: person.id, status: 'present', source: 'roll_call' });
      const coordinator = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
      const participant = await loginAs(ctx.app, person);
      const certificatesPage = `/manage/offerings/${offering.id}/certificates`;
      const issue = async () => submitForm(coordinator, certificatesPage, certificatesPage, { userId: String(person.id) });
      const csvLine = async () => {
        const csv = await coordinator.get(`/manage/offerings/${offering.id}/attendance.csv`).buffer(true).parse(binaryParser);
        return (csv.body as Buffer).toString('utf8').split('\r\n').find((line) => line.startsWith('Schäfer;Lea;'));
      };

      expect(textOf((await coordinator.get(certificatesPage)).text)).toContain('0 berechtigt, noch nicht ausgestellt');
      const refused = await issue();
      expect(refused.status).toBe(409);
      expect(textOf(refused.text)).toContain('hat das Angebot nicht abgeschlossen');
      expect(await ctx.db('certificates')).toHaveLength(0);
      expect(textOf((await participant.get('/my/progress')).text)).toContain('Workshop Winter: noch nicht teilgenommen');
      expect(await csvLine()).toMatch(/;anwesend;Nein$/);

      await sessionHasBegun(sessionId);
      expect(textOf((await coordinator.get(certificatesPage)).text)).toContain('1 berechtigt, noch nicht ausgestellt');
      expect(textOf((await participant.get('/my/progress')).text)).toContain('Workshop Winter: teilgenommen');
      expect(await csvLine()).toMatch(/;anwesend;Ja$/);
      expect((await issue()).status).toBe(303);
      expect(await ctx.db('certificates').where('user_id', person.id)).toHaveLength(1);
    });
  });
});
