import ExcelJS from 'exceljs';
import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createOrganisation, createUser } from '../support/factories';
import { binaryParser, csrfTokenIn, loginAs, submitForm, textOf } from '../support/http';
import { readPdf } from '../support/pdf';

/** Attendance is recorded for sessions that have begun: this one started an hour ago. */
const STARTED_AN_HOUR_AGO = -1 / 24;

describe('attendance', () => {
  const ctx = useTestApp();

  async function enrolledSession(options: { startsInDays?: number; people?: number; names?: [string, string][] } = {}) {
    const trainer = await createUser(ctx.db, { role: 'trainer', firstName: 'Jana', lastName: 'Feldkamp' });
    const offering = await createOffering(ctx.db, { startsInDays: options.startsInDays ?? STARTED_AN_HOUR_AGO, trainerIds: [trainer.id], registrationClosesInDays: -0.5, capacity: 500 });
    const organisation = await createOrganisation(ctx.db);
    const names = options.names ?? [];
    const people = [];
    for (let index = 0; index < (options.people ?? Math.max(3, names.length)); index += 1) {
      const [firstName, lastName] = names[index] ?? ['Person', `Nummer${index}`];
      const person = await createUser(ctx.db, { firstName, lastName, organisationId: organisation.id });
      await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
      people.push(person);
    }
    return { trainer, offering, sessionId: offering.sessionIds[0]!, people };
  }

  describe('roll call', () => {
    it('lets the trainer mark everybody in one submit, and saving again changes nothing', async () => {
      const { trainer, sessionId, people } = await enrolledSession();
      const agent = await loginAs(ctx.app, trainer);
      const fields = { [`status_${people[0]!.id}`]: 'present', [`status_${people[1]!.id}`]: 'late', [`status_${people[2]!.id}`]: 'excused' };
      const first = await submitForm(agent, `/attendance/sessions/${sessionId}`, `/attendance/sessions/${sessionId}`, fields);
      expect(first.status).toBe(303);
      const records = await ctx.db('attendance_records').where('session_id', sessionId).orderBy('user_id');
      expect(records.map((row) => [row.user_id, row.status, row.recorded_by])).toEqual([
        [people[0]!.id, 'present', trainer.id],
        [people[1]!.id, 'late', trainer.id],
        [people[2]!.id, 'excused', trainer.id],
      ]);
      // One audit entry per save that lists every change (issue 11: a roll call is one set-based write).
      const auditBefore = await ctx.db('audit_events').where('action', 'attendance.roll_call_saved');
      expect(auditBefore).toHaveLength(1);
      expect(auditBefore[0].after.changes).toHaveLength(3);

      const again = await submitForm(agent, `/attendance/sessions/${sessionId}`, `/attendance/sessions/${sessionId}`, fields);
      expect(again.status).toBe(303);
      const page = await agent.get(`/attendance/sessions/${sessionId}`);
      expect(textOf(page.text)).toContain('Gespeichert: 0 Änderungen.');
      expect(await ctx.db('audit_events').where('action', 'attendance.roll_call_saved')).toHaveLength(1);
      // The saved choice is pre-selected when the page is opened again.
      expect(page.text).toMatch(new RegExp(`name="status_${people[1]!.id}">(<option[^>]*>[^<]*</option>)*<option value="late" selected>`));
    });

    it('rejects an invalid status with a message and saves nothing', async () => {
      const { trainer, sessionId, people } = await enrolledSession();
      const agent = await loginAs(ctx.app, trainer);
      const response = await submitForm(agent, `/attendance/sessions/${sessionId}`, `/attendance/sessions/${sessionId}`, {
        [`status_${people[0]!.id}`]: 'present',
        [`status_${people[1]!.id}`]: 'vielleicht',
      });
      expect(response.status).toBe(422);
      expect(textOf(response.text)).toContain('Diesen Anwesenheitsstatus gibt es nicht. Bitte wählen Sie anwesend, verspätet, entschuldigt oder unentschuldigt.');
      expect(await ctx.db('attendance_records')).toHaveLength(0);
    });

    it('is only for the session’s own trainers and the coordinators', async () => {
      const { sessionId } = await enrolledSession();
      const otherTrainer = await createUser(ctx.db, { role: 'trainer' });
      const participant = await createUser(ctx.db);
      const coordinator = await createUser(ctx.db, { role: 'coordinator' });
      expect((await (await loginAs(ctx.app, otherTrainer)).get(`/attendance/sessions/${sessionId}`)).status).toBe(403);
      expect((await (await loginAs(ctx.app, participant)).get(`/attendance/sessions/${sessionId}`)).status).toBe(403);
      expect((await (await loginAs(ctx.app, coordinator)).get(`/attendance/sessions/${sessionId}`)).status).toBe(200);
    });
  });

  describe('self check-in', () => {
    async function openCheckIn(startsInMinutes: number) {
      const setup = await enrolledSession({ startsInDays: startsInMinutes / (24 * 60) });
      const trainerAgent = await loginAs(ctx.app, setup.trainer);
      const screen = await trainerAgent.get(`/attendance/sessions/${setup.sessionId}/check-in`);
      const opened = await trainerAgent.post(`/attendance/sessions/${setup.sessionId}/check-in/open`).type('form').send({ _csrf: csrfTokenIn(screen.text) });
      return { ...setup, trainerAgent, opened };
    }

    it('marks an enrolled participant present with the code shown to the trainer', async () => {
      const { trainerAgent, sessionId, people, opened } = await openCheckIn(10);
      expect(opened.status).toBe(303);
      const screen = await trainerAgent.get(`/attendance/sessions/${sessionId}/check-in`);
      const code = /class="app-check-in__code"[^>]*>([0-9A-Z]{6})</.exec(screen.text)?.[1];
      expect(code).toBeDefined();
      expect(screen.text).toContain('src="data:image/svg+xml;base64,');
      const participant = await loginAs(ctx.app, people[0]!);
      const form = await participant.get(`/check-in?code=${code}`);
      expect(form.text).toContain(`value="${code}"`);
      const response = await participant.post('/check-in').type('form').send({ code: code!.toLowerCase().replace(/(...)/, '$1-'), _csrf: csrfTokenIn(form.text) });
      expect(response.status).toBe(200);
      expect(textOf(response.text)).toContain('Sie sind eingecheckt');
      const record = await ctx.db('attendance_records').where({ session_id: sessionId, user_id: people[0]!.id }).first();
      expect(record).toMatchObject({ status: 'present', source: 'check_in' });
    });

    it('tells a person without a seat that they are not enrolled, and records nothing', async () => {
      const { trainerAgent, sessionId } = await openCheckIn(5);
      const screen = await trainerAgent.get(`/attendance/sessions/${sessionId}/check-in`);
      const code = /class="app-check-in__code"[^>]*>([0-9A-Z]{6})</.exec(screen.text)![1]!;
      const stranger = await createUser(ctx.db);
      const agent = await loginAs(ctx.app, stranger);
      const response = await submitForm(agent, '/check-in', '/check-in', { code });
      expect(response.status).toBe(422);
      expect(textOf(response.text)).toContain('Sie sind für diesen Termin nicht angemeldet');
      expect(textOf(response.text)).not.toContain('eingecheckt');
      expect(await ctx.db('attendance_records')).toHaveLength(0);
    });

    it('stops accepting the code once the trainer closes check-in', async () => {
      const { trainerAgent, sessionId, people } = await openCheckIn(5);
      const screen = await trainerAgent.get(`/attendance/sessions/${sessionId}/check-in`);
      const code = /class="app-check-in__code"[^>]*>([0-9A-Z]{6})</.exec(screen.text)![1]!;
      await trainerAgent.post(`/attendance/sessions/${sessionId}/check-in/close`).type('form').send({ _csrf: csrfTokenIn(screen.text) });
      const agent = await loginAs(ctx.app, people[0]!);
      const response = await submitForm(agent, '/check-in', '/check-in', { code });
      expect(response.status).toBe(422);
      expect(textOf(response.text)).toContain('Dieser Code ist ungültig oder der Check-in ist geschlossen');
      expect(await ctx.db('attendance_records')).toHaveLength(0);
    });

    it('cannot be opened for a session days away', async () => {
      const { opened } = await openCheckIn(3 * 24 * 60);
      expect(opened.status).toBe(409);
      expect(await ctx.db('check_in_windows')).toHaveLength(0);
    });
  });

  describe('excuses', () => {
    it('a participant excuses themselves and the accepted excuse marks the session excused', async () => {
      const { sessionId, people } = await enrolledSession();
      const participant = await loginAs(ctx.app, people[0]!);
      const sent = await submitForm(participant, `/my/sessions/${sessionId}/excuse`, `/my/sessions/${sessionId}/excuse`, { reason: 'Dienstreise nach Erfurt' });
      expect(sent.status).toBe(303);
      const coordinator = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
      const list = await coordinator.get('/manage/excuses');
      expect(textOf(list.text)).toContain('Dienstreise nach Erfurt');
      const excuse = await ctx.db('excuses').first();
      const accepted = await coordinator.post(`/manage/excuses/${excuse.id}/accept`).type('form').send({ _csrf: csrfTokenIn(list.text) });
      expect(accepted.status).toBe(303);
      expect(await ctx.db('attendance_records').where({ session_id: sessionId, user_id: people[0]!.id }).first()).toMatchObject({ status: 'excused', source: 'excuse' });
    });

    it('refuses an excuse for a session the person is not enrolled in', async () => {
      const { sessionId } = await enrolledSession();
      const stranger = await loginAs(ctx.app, await createUser(ctx.db));
      expect((await stranger.get(`/my/sessions/${sessionId}/excuse`)).status).toBe(404);
      expect(await ctx.db('excuses')).toHaveLength(0);
    });
  });

  describe('completion across cohorts (Nachholtermin)', () => {
    async function seriesWithTwoCohorts() {
      const programme = await createProgramme(ctx.db, { kind: 'series' });
      const moduleIds = programme.modules.map((module) => module.id);
      // Cohort A ran its five modules in the past; cohort B has module 3 still ahead.
      const cohortA = await createOffering(ctx.db, { programmeId: programme.id, title: 'Durchgang A', startsInDays: -80, sessions: 5, moduleIds, registrationOpensInDays: -120, registrationClosesInDays: -90 });
      const cohortB = await createOffering(ctx.db, { programmeId: programme.id, title: 'Durchgang B', startsInDays: -20, sessions: 5, moduleIds, registrationOpensInDays: -60, registrationClosesInDays: -40 });
      const person = await createUser(ctx.db, { firstName: 'Lena', lastName: 'Schäfer' });
      await ctx.db('enrollments').insert({ offering_id: cohortA.id, user_id: person.id, status: 'confirmed' });
      for (const index of [0, 1, 3, 4]) await ctx.db('attendance_records').insert({ session_id: cohortA.sessionIds[index], user_id: person.id, status: 'present', source: 'roll_call' });
      await ctx.db('attendance_records').insert({ session_id: cohortA.sessionIds[2], user_id: person.id, status: 'excused', source: 'roll_call' });
      return { programme, cohortA, cohortB, person };
    }

    it('shows the missed module with its make-up date and completes once it is made up in another cohort', async () => {
      const { cohortB, person } = await seriesWithTwoCohorts();
      const agent = await loginAs(ctx.app, person);
      const before = textOf((await agent.get('/my/progress')).text);
      expect(before).toContain('4 von 5 erforderlichen Modulen abgeschlossen');
      expect(before).toContain('nächster Termin:');
      expect(before).toContain('(Durchgang B)');
      expect(before).toContain('Das Zertifikat ist mit den geplanten Terminen erreichbar.');

      // The make-up date has come: cohort B's module 3 started an hour ago, and the person came late.
      const makeUpStart = new Date(Date.now() - 60 * 60 * 1000);
      await ctx.db('offering_sessions').where('id', cohortB.sessionIds[2]).update({ starts_at: makeUpStart, ends_at: new Date(makeUpStart.getTime() + 7 * 60 * 60 * 1000) });
      await ctx.db('attendance_records').insert({ session_id: cohortB.sessionIds[2], user_id: person.id, status: 'late', source: 'roll_call' });
      const after = textOf((await agent.get('/my/progress')).text);
      expect(after).toContain('5 von 5 erforderlichen Modulen abgeschlossen');
      expect(after).toContain('Alle Voraussetzungen für das Zertifikat sind erfüllt.');
    });

    it('tells the person and flags them for coordinators when no make-up date is planned', async () => {
      const { cohortA, cohortB, person } = await seriesWithTwoCohorts();
      await ctx.db('offerings').where('id', cohortB.id).update({ status: 'cancelled' });
      const agent = await loginAs(ctx.app, person);
      const progress = textOf((await agent.get('/my/progress')).text);
      expect(progress).toContain('kein Nachholtermin geplant');
      expect(progress).toContain('nicht mehr erreichbar');
      const coordinator = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
      const matrix = textOf((await coordinator.get(`/manage/offerings/${cohortA.id}/attendance`)).text);
      expect(matrix).toContain('Schäfer, Lena');
      expect(matrix).toContain('nicht mehr erreichbar');
    });

    it('counts a rule of "at least N modules"', async () => {
      const { programme, person } = await seriesWithTwoCohorts();
      await ctx.db('programmes').where('id', programme.id).update({ completion_rule: 'min', completion_min_modules: 4 });
      const agent = await loginAs(ctx.app, person);
      expect(textOf((await agent.get('/my/progress')).text)).toContain('Alle Voraussetzungen für das Zertifikat sind erfüllt.');
    });
  });

  describe('matrix, exports and sign-in sheet', () => {
    it('renders the matrix with the same small number of queries for 20 or 60 participants', async () => {
      const coordinator = await createUser(ctx.db, { role: 'coordinator' });
      const agent = await loginAs(ctx.app, coordinator);
      const small = await enrolledSession({ people: 20 });
      const large = await enrolledSession({ people: 60 });
      // The first view after login may still write the session; the pages are compared warm.
      await agent.get(`/manage/offerings/${small.offering.id}/attendance`).expect(200);
      const smallCount = await countQueries(ctx.db, () => agent.get(`/manage/offerings/${small.offering.id}/attendance`).expect(200));
      const largeCount = await countQueries(ctx.db, () => agent.get(`/manage/offerings/${large.offering.id}/attendance`).expect(200));
      expect(largeCount).toBe(smallCount);
      expect(largeCount).toBeLessThanOrEqual(6);
    });

    it('exports CSV for a German Excel and XLSX with umlauts intact', async () => {
      const { offering, sessionId, people } = await enrolledSession({ names: [['Jörg', 'Wendland'], ['Murat', 'Yılmaz'], ['Grete', 'Weißbach']] });
      await ctx.db('attendance_records').insert({ session_id: sessionId, user_id: people[0]!.id, status: 'present', source: 'roll_call' });
      const agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
      const csv = await agent.get(`/manage/offerings/${offering.id}/attendance.csv`).buffer(true).parse(binaryParser);
      expect(csv.headers['content-type']).toContain('text/csv');
      const bytes = csv.body as Buffer;
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = bytes.toString('utf8').slice(1);
      const [head, ...lines] = text.trim().split('\r\n');
      expect(head).toMatch(/^Nachname;Vorname;E-Mail;Organisation;Fachbereich;\d{2}\.\d{2}\.\d{4};Abgeschlossen$/);
      expect(lines.find((line) => line.startsWith('Wendland;Jörg;'))).toMatch(/;anwesend;Ja$/);
      expect(lines.some((line) => line.startsWith('Yılmaz;Murat;'))).toBe(true);
      expect(lines.some((line) => line.startsWith('Weißbach;Grete;'))).toBe(true);

      const xlsx = await agent.get(`/manage/offerings/${offering.id}/attendance.xlsx`).buffer(true).parse(binaryParser);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(xlsx.body as unknown as ArrayBuffer);
      const sheet = workbook.getWorksheet('Anwesenheit')!;
      const names = sheet.getColumn(1).values.slice(2);
      expect(names).toEqual(expect.arrayContaining(['Wendland', 'Yılmaz', 'Weißbach']));
    });

    it('prints a sign-in sheet whose text reads back with umlauts, page numbers and a repeated header', async () => {
      const names: [string, string][] = [['Jörg', 'Wendland'], ['Murat', 'Yılmaz'], ['Grete', 'Weißbach']];
      for (let index = 0; index < 37; index += 1) names.push(['Person', `Müller${String(index).padStart(2, '0')}`]);
      const { trainer, sessionId } = await enrolledSession({ names });
      const agent = await loginAs(ctx.app, trainer);
      const response = await agent.get(`/attendance/sessions/${sessionId}/sheet.pdf`).buffer(true).parse(binaryParser);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/pdf');
      const pdf = await readPdf(response.body as Buffer);
      expect(pdf.pages).toBeGreaterThanOrEqual(2);
      expect(pdf.text).toContain('Wendland, Jörg');
      expect(pdf.text).toContain('Yılmaz, Murat');
      expect(pdf.text).toContain('Weißbach, Grete');
      expect(pdf.text).toContain('Müller36, Person');
      expect(pdf.text).toContain(`Seite 1 von ${pdf.pages}`);
      expect(pdf.text).toContain(`Seite ${pdf.pages} von ${pdf.pages}`);
      expect(pdf.text.split('Teilnehmendenliste / Unterschriftenliste').length - 1).toBe(pdf.pages);
      expect(pdf.text).toContain('Demokratie leben!');
      expect(pdf.text).toContain('Feldkamp');
      expect(String(pdf.info.Title)).toContain('Teilnehmendenliste');
    });
  });
});

