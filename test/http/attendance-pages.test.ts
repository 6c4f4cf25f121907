import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createOrganisation, createUser, type TestUser } from '../support/factories';
import { csrfTokenIn, loginAs, textOf, type Agent } from '../support/http';

/** Attendance is recorded for sessions that have begun: this one started an hour ago. */
const STARTED_AN_HOUR_AGO = -1 / 24;

/**
 * Issue 11: the attendance matrix and the roll call of a county cohort are shown a page of
 * 50 people at a time, with a name search, and cost the same few statements whatever the size.
 */
describe('attendance pages at county scale', () => {
  const ctx = useTestApp();

  /** A cohort whose first session began an hour ago: `fillers` people "Muster001 …" plus the named ones, one INSERT for all. */
  async function cohort(options: { fillers: number; names?: [string, string][]; programmeId?: number; moduleIds?: number[]; sessions?: number }) {
    const trainer = await createUser(ctx.db, { role: 'trainer' });
    const offering = await createOffering(ctx.db, {
      programmeId: options.programmeId,
      moduleIds: options.moduleIds,
      sessions: options.sessions ?? 1,
      startsInDays: STARTED_AN_HOUR_AGO,
      trainerIds: [trainer.id],
      registrationClosesInDays: -0.5,
      capacity: options.fillers + 50,
    });
    const organisation = await createOrganisation(ctx.db, { name: `Stadtverwaltung Müllheim ${offering.id}` });
    const names = [...Array.from({ length: options.fillers }, (_, index): [string, string] => ['Person', `Muster${String(index + 1).padStart(3, '0')}`]), ...(options.names ?? [])];
    const inserted = await ctx.db.raw<{ rows: { id: number; last_name: string }[] }>(
      `INSERT INTO users (email, first_name, last_name, role, organisation_id, password_hash, active, locale, email_verified_at)
       SELECT 'kohorte' || ? || '-' || n || '@gemeinde.example', first_name, last_name, 'participant', ?, 'not-a-login', true, 'de', now()
         FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS i(first_name, last_name, n)
       RETURNING id, last_name`,
      [offering.id, organisation.id, names.map(([first]) => first), names.map(([, last]) => last)],
    );
    await ctx.db.raw(`INSERT INTO enrollments (offering_id, user_id, status) SELECT ?, unnest(?::int[]), 'confirmed'`, [offering.id, inserted.rows.map((row) => row.id)]);
    const idOf = (lastName: string) => inserted.rows.find((row) => row.last_name === lastName)!.id;
    return { trainer, offering, sessionId: offering.sessionIds[0]!, idOf, ids: inserted.rows.map((row) => row.id) };
  }

  /** People named in the matrix's rows, in the order shown. */
  function matrixNames(html: string): string[] {
    return [...html.matchAll(/href="\/manage\/people\/\d+\/history">([^<]+)<\/a>/g)].map((match) => match[1]!);
  }

  /** The roll-call form as a browser would send it: every person's select with the option it shows. */
  function rollCallForm(html: string): { action: string; fields: Record<string, string>; labels: Map<string, string> } {
    const action = /<form method="post" action="([^"]+)" class="kern-stack">/.exec(html)![1]!.replace(/&amp;/g, '&');
    const fields: Record<string, string> = { _csrf: csrfTokenIn(html) };
    const labels = new Map<string, string>();
    for (const [, id, label] of html.matchAll(/<label for="(field-status_\d+)">([^<]+)<\/label>/g)) labels.set(id!, label!);
    for (const [, id, name, options] of html.matchAll(/<select [^>]*id="([^"]+)" name="(status_\d+)"[^>]*>(.*?)<\/select>/g)) {
      expect(labels.has(id!)).toBe(true);
      const selected = /<option value="([^"]*)" selected>/.exec(options!) ?? /<option value="([^"]*)"/.exec(options!);
      fields[name!] = selected![1]!;
    }
    return { action, fields, labels };
  }

  describe('matrix', () => {
    it('shows 50 people a page in German name order, finds one by name and keeps each person’s completion', async () => {
      const { offering, sessionId, idOf } = await cohort({
        fillers: 120,
        names: [['Zoe', 'Zander'], ['Olaf', 'Ofen'], ['Ece', 'Özdemir'], ['Paul', 'Pabst'], ['Anna', 'Ärztin']],
      });
      await ctx.db('attendance_records').insert({ session_id: sessionId, user_id: idOf('Özdemir'), status: 'present', source: 'roll_call' });
      const agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
      const url = `/manage/offerings/${offering.id}/attendance`;

      const first = await agent.get(url).expect(200);
      expect(textOf(first.text)).toContain('125 bestätigte Personen.');
      expect(textOf(first.text)).toContain('Seite 1 von 3');
      const firstNames = matrixNames(first.text);
      expect(firstNames).toHaveLength(50);
      expect(firstNames.slice(0, 2)).toEqual(['Ärztin, Anna', 'Muster001, Person']);

      const last = await agent.get(`${url}?page=3`).expect(200);
      const lastNames = matrixNames(last.text);
      expect(lastNames).toHaveLength(25);
      expect(lastNames.slice(-4)).toEqual(['Ofen, Olaf', 'Özdemir, Ece', 'Pabst, Paul', 'Zander, Zoe']);
      // An edited URL past the end shows the last page instead of an empty table.
      expect(matrixNames((await agent.get(`${url}?page=99`).expect(200)).text)).toEqual(lastNames);

      const found = await agent.get(`${url}?q=${encodeURIComponent('özdem')}`).expect(200);
      expect(matrixNames(found.text)).toEqual(['Özdemir, Ece']);
      expect(textOf(found.text)).toContain('1 bestätigte Person.');
      expect(textOf(found.text)).toMatch(/Özdemir, Ece Stadtverwaltung Müllheim \d+ anwesend abgeschlossen/);
      expect(found.text).toContain('value="özdem"');

      const byFullName = await agent.get(`${url}?q=${encodeURIComponent('Paul Pab')}`).expect(200);
      expect(matrixNames(byFullName.text)).toEqual(['Pabst, Paul']);
      // % and _ are letters to search for, not wildcards.
      const wildcard = await agent.get(`${url}?q=${encodeURIComponent('%')}`).expect(200);
      expect(matrixNames(wildcard.text)).toEqual([]);
      expect(textOf(wildcard.text)).toContain('Keine bestätigte Person passt zu dieser Suche.');
    });

    it('shows made-up modules of a series and needs the same few statements for 20 and 200 people', async () => {
      const programme = await createProgramme(ctx.db, { kind: 'series' });
      const moduleIds = programme.modules.map((module) => module.id);
      const small = await cohort({ fillers: 20, programmeId: programme.id, moduleIds, sessions: 5 });
      const large = await cohort({ fillers: 200, programmeId: programme.id, moduleIds, sessions: 5 });
      // Module 1 ran until a minute ago in both cohorts (while it runs it can still be attended). A
      // small-cohort person missed it there but came (late) in the large cohort: it counts for them;
      // for the others it is missed for good.
      await ctx.db('offering_sessions').whereIn('id', [small.sessionId, large.sessionId]).update({ ends_at: ctx.db.raw("now() - interval '1 minute'") });
      await ctx.db('attendance_records').insert([
        { session_id: small.sessionId, user_id: small.ids[0], status: 'absent', source: 'roll_call' },
        { session_id: large.sessionId, user_id: small.ids[0], status: 'late', source: 'roll_call' },
      ]);
      const agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
      const smallUrl = `/manage/offerings/${small.offering.id}/attendance`;
      // The first view after login may still write the session; the pages are compared warm.
      const page = textOf((await agent.get(smallUrl).expect(200)).text);
      expect(page).toMatch(/Muster001, Person Stadtverwaltung Müllheim \d+ unentschuldigt – – – – 1 \/ 5/);
      expect(page).toMatch(/Muster002, Person Stadtverwaltung Müllheim \d+ – – – – – nicht mehr erreichbar/);

      const forSmall = await countQueries(ctx.db, () => agent.get(smallUrl).expect(200));
      const forLarge = await countQueries(ctx.db, () => agent.get(`/manage/offerings/${large.offering.id}/attendance?page=3`).expect(200));
      expect(forLarge).toBe(forSmall);
      expect(forLarge).toBeLessThanOrEqual(6);
    });
  });

  describe('roll call', () => {
    async function trainerOf(setup: { trainer: TestUser }): Promise<Agent> {
      return loginAs(ctx.app, setup.trainer);
    }

    it('lists 50 people a page, one labelled choice each, and saves only what was chosen on that page', async () => {
      const setup = await cohort({ fillers: 60 });
      const { sessionId, idOf } = setup;
      // Someone on page 2 was recorded earlier by the coordinator; saving page 1 must leave them alone.
      const coordinator = await createUser(ctx.db, { role: 'coordinator' });
      await ctx.db('attendance_records').insert({ session_id: sessionId, user_id: idOf('Muster055'), status: 'excused', source: 'roll_call', recorded_by: coordinator.id });
      const agent = await trainerOf(setup);

      const page = await agent.get(`/attendance/sessions/${sessionId}`).expect(200);
      expect(textOf(page.text)).toContain('60 Personen.');
      const form = rollCallForm(page.text);
      expect(form.labels.size).toBe(50);
      expect(form.labels.get(`field-status_${idOf('Muster001')}`)).toBe('Muster001, Person');
      expect(Object.values(form.fields).filter((value) => value === '')).toHaveLength(50);
      // No radio groups any more: one select per person keeps the page small.
      expect(page.text).not.toContain('type="radio"');

      form.fields[`status_${idOf('Muster001')}`] = 'present';
      form.fields[`status_${idOf('Muster002')}`] = 'late';
      form.fields[`status_${idOf('Muster050')}`] = 'absent';
      const saved = await agent.post(form.action).type('form').send({ ...form.fields, then: 'next' });
      expect(saved.status).toBe(303);
      expect(saved.headers.location).toBe(`/attendance/sessions/${sessionId}?page=2`);

      const records = await ctx.db('attendance_records').where('session_id', sessionId).orderBy('user_id').select('user_id', 'status', 'recorded_by');
      expect(records).toEqual([
        { user_id: idOf('Muster001'), status: 'present', recorded_by: setup.trainer.id },
        { user_id: idOf('Muster002'), status: 'late', recorded_by: setup.trainer.id },
        { user_id: idOf('Muster050'), status: 'absent', recorded_by: setup.trainer.id },
        { user_id: idOf('Muster055'), status: 'excused', recorded_by: coordinator.id },
      ]);
      const audits = await ctx.db('audit_events').where('action', 'attendance.roll_call_saved');
      expect(audits).toHaveLength(1);
      expect(audits[0].after.changes).toHaveLength(3);

      const second = await agent.get(saved.headers.location!).expect(200);
      expect(textOf(second.text)).toContain('Gespeichert: 3 Änderungen.');
      expect(textOf(second.text)).toContain('Seite 2 von 2');
      const secondForm = rollCallForm(second.text);
      expect(secondForm.labels.size).toBe(10);
      expect(secondForm.fields[`status_${idOf('Muster055')}`]).toBe('excused');
    });

    it('rejects an unknown status with a German message on the same page and saves nothing', async () => {
      const setup = await cohort({ fillers: 60 });
      const agent = await trainerOf(setup);
      const page = await agent.get(`/attendance/sessions/${setup.sessionId}?page=2`).expect(200);
      const form = rollCallForm(page.text);
      expect(form.action).toBe(`/attendance/sessions/${setup.sessionId}?page=2`);
      const field = `status_${setup.idOf('Muster052')}`;
      const response = await agent.post(form.action).type('form').send({ ...form.fields, [`status_${setup.idOf('Muster051')}`]: 'present', [field]: 'vielleicht' });
      expect(response.status).toBe(422);
      const text = textOf(response.text);
      expect(text).toContain('Diesen Anwesenheitsstatus gibt es nicht. Bitte wählen Sie anwesend, verspätet, entschuldigt oder unentschuldigt.');
      expect(text).toContain('Seite 2 von 2');
      expect(response.text).toContain(`href="#field-${field}"`);
      expect(response.text).toMatch(new RegExp(`id="field-${field}" name="${field}" aria-invalid="true"`));
      // The other choice the trainer made is still there to send again.
      expect(rollCallForm(response.text).fields[`status_${setup.idOf('Muster051')}`]).toBe('present');
      expect(await ctx.db('attendance_records')).toHaveLength(0);
    });

    it('finds a person by name and saves them without touching anybody else', async () => {
      const setup = await cohort({ fillers: 60, names: [['Ece', 'Özdemir']] });
      const agent = await trainerOf(setup);
      const page = await agent.get(`/attendance/sessions/${setup.sessionId}?q=${encodeURIComponent('Özdemir')}`).expect(200);
      const form = rollCallForm(page.text);
      expect([...form.labels.values()]).toEqual(['Özdemir, Ece']);
      const saved = await agent.post(form.action).type('form').send({ ...form.fields, [`status_${setup.idOf('Özdemir')}`]: 'late' });
      expect(saved.status).toBe(303);
      expect(saved.headers.location).toBe(`/attendance/sessions/${setup.sessionId}?q=${encodeURIComponent('Özdemir')}`);
      expect(await ctx.db('attendance_records').select('user_id', 'status')).toEqual([{ user_id: setup.idOf('Özdemir'), status: 'late' }]);
    });

    it('keeps a 300-person roll call page small and needs the same few statements for 20 and 300 people', async () => {
      const small = await cohort({ fillers: 20 });
      const large = await cohort({ fillers: 300 });
      const agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
      // The first view after login may still write the session; the pages are compared warm.
      await agent.get(`/attendance/sessions/${small.sessionId}`).expect(200);
      const forSmall = await countQueries(ctx.db, () => agent.get(`/attendance/sessions/${small.sessionId}`).expect(200));
      let body = '';
      const forLarge = await countQueries(ctx.db, async () => {
        body = (await agent.get(`/attendance/sessions/${large.sessionId}`).expect(200)).text;
      });
      expect(forLarge).toBe(forSmall);
      expect(forLarge).toBeLessThanOrEqual(6);
      expect(textOf(body)).toContain('300 Personen.');
      expect(Buffer.byteLength(body)).toBeLessThan(60_000);
    });
  });
});
