import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createOrganisation, createUser } from '../support/factories';
import { decodeEntities } from '../support/html';
import { binaryParser, loginAs, submitForm, textOf, type Agent } from '../support/http';
import { readPdf } from '../support/pdf';
import { sessionsMissingProof } from '../../src/attendance/proof';

const PROJECT_TITLE = 'Kommunales Konfliktmanagement im Landkreis Musterland (Az. DL-2025-0815)';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/** Entered in this order; German order is Albrecht, Nowak, Özdemir, Peters, Zander ("Ö" under O, not after Z). */
const PEOPLE: [string, string][] = [
  ['Paul', 'Zander'],
  ['Aylin', 'Özdemir'],
  ['Lena', 'Nowak'],
  ['Jonas', 'Peters'],
  ['Mia', 'Albrecht'],
];
const IN_GERMAN_ORDER = ['Albrecht, Mia', 'Nowak, Lena', 'Özdemir, Aylin', 'Peters, Jonas', 'Zander, Paul'];

/** pdf-parse separates pages with "-- n of m --". */
const pagesOf = (text: string) => text.split(/\n*-- \d+ of \d+ --\n*/).filter((page) => page.trim() !== '');

describe('participant lists that meet the funder’s rules', () => {
  const ctx = useTestApp();

  /**
   * A workshop held on two days in March 2026 (CET, UTC+1): 10.03. 09:00–12:00 and
   * 13:00–16:00 (two sessions, one list), 11.03. 09:00–16:00. The trainer teaches day 2 only.
   */
  async function twoDayWorkshop(options: { funderTitle?: string; mode?: 'shared' | 'per_person' } = {}) {
    const programme = await createProgramme(ctx.db, { title: 'Umgang mit extremistischen Gruppierungen im Verwaltungshandeln' });
    await ctx.db('programmes').where('id', programme.id).update({ funder_project_title: options.funderTitle ?? PROJECT_TITLE });
    const offering = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop März 2026', sessions: 0, capacity: 100, startsInDays: -300, registrationOpensInDays: -400, registrationClosesInDays: -301 });
    if (options.mode) await ctx.db('offerings').where('id', offering.id).update({ sign_in_sheet_mode: options.mode });
    const trainer = await createUser(ctx.db, { role: 'trainer', firstName: 'Jana', lastName: 'Feldkamp' });
    const times = [
      ['2026-03-10T08:00:00Z', '2026-03-10T11:00:00Z', 'Landratsamt, Saal 1'],
      ['2026-03-10T12:00:00Z', '2026-03-10T15:00:00Z', 'Landratsamt, Saal 2'],
      ['2026-03-11T08:00:00Z', '2026-03-11T15:00:00Z', 'Rathaus Eisenach'],
    ] as const;
    const sessionIds: number[] = [];
    for (const [startsAt, endsAt, location] of times) {
      const [row] = await ctx.db('offering_sessions').insert({ offering_id: offering.id, starts_at: startsAt, ends_at: endsAt, location }).returning('id');
      sessionIds.push((row as { id: number }).id);
    }
    await ctx.db('session_trainers').insert({ session_id: sessionIds[2], user_id: trainer.id });
    const organisation = await createOrganisation(ctx.db);
    for (const [firstName, lastName] of PEOPLE) {
      const person = await createUser(ctx.db, { firstName, lastName, organisationId: organisation.id });
      await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
    }
    return { programme, offering, trainer, sessionIds };
  }

  const coordinatorAgent = async () => loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));

  async function pdfOf(agent: Agent, url: string) {
    const response = await agent.get(url).buffer(true).parse(binaryParser);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    const pdf = await readPdf(response.body as Buffer);
    // Long header lines wrap; what is read aloud is the same.
    return { ...pdf, flat: pdf.text.replace(/\s+/g, ' '), raw: (response.body as Buffer).toString('latin1') };
  }

  it('prints one list per day: each with only its date, the funder’s project title and the names in German order', async () => {
    const { offering } = await twoDayWorkshop();
    const agent = await coordinatorAgent();

    const first = await pdfOf(agent, `/attendance/offerings/${offering.id}/days/2026-03-10/sheet.pdf`);
    expect(first.flat).toContain(`Projekt: ${PROJECT_TITLE}`);
    expect(first.text).toContain('Workshop März 2026');
    expect(first.text).toContain('10.03.2026, 09:00–12:00 Uhr, 13:00–16:00 Uhr');
    expect(first.text).toContain('Landratsamt, Saal 1; Landratsamt, Saal 2');
    expect(first.text).not.toContain('11.03.2026');
    // Tagged: a structure tree (heading, table with header cells) a screen reader follows, in German.
    for (const marker of ['/StructTreeRoot', '/MarkInfo', '/H1', '/Table', '/TH', '/TD', '/Lang (de-DE)']) expect(first.raw).toContain(marker);
    expect(first.text).toContain('Seite 1 von 1');
    const positions = IN_GERMAN_ORDER.map((name) => first.text.indexOf(name));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);

    const second = await pdfOf(agent, `/attendance/offerings/${offering.id}/days/2026-03-11/sheet.pdf`);
    expect(second.text).toContain('11.03.2026, 09:00–16:00 Uhr');
    expect(second.text).toContain('Rathaus Eisenach');
    expect(second.text).not.toContain('10.03.2026');
    expect(second.text).toContain('Feldkamp');

    // The per-session link prints the list of that session's day.
    const { sessionIds } = { sessionIds: (await ctx.db('offering_sessions').where('offering_id', offering.id).orderBy('starts_at').pluck('id')) as number[] };
    const viaSession = await pdfOf(agent, `/attendance/sessions/${sessionIds[1]}/sheet.pdf`);
    expect(viaSession.text).toContain('10.03.2026, 09:00–12:00 Uhr, 13:00–16:00 Uhr');
  });

  it('falls back to the programme’s title when no project title is given, and repeats the header on every page', async () => {
    const { offering } = await twoDayWorkshop({ funderTitle: '' });
    for (let index = 0; index < 40; index += 1) {
      const person = await createUser(ctx.db, { firstName: 'Person', lastName: `Müller${String(index).padStart(2, '0')}` });
      await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
    }
    const pdf = await pdfOf(await coordinatorAgent(), `/attendance/offerings/${offering.id}/days/2026-03-11/sheet.pdf`);
    expect(pdf.pages).toBeGreaterThanOrEqual(2);
    expect(pdf.flat).toContain('Projekt: Umgang mit extremistischen Gruppierungen im Verwaltungshandeln');
    expect(pdf.text.split('Teilnehmendenliste / Unterschriftenliste').length - 1).toBe(pdf.pages);
    expect(pdf.text).toContain(`Seite ${pdf.pages} von ${pdf.pages}`);
  });

  it('prints one page per person in the per-person mode, and no page shows two names', async () => {
    const { offering } = await twoDayWorkshop({ mode: 'per_person' });
    const pdf = await pdfOf(await coordinatorAgent(), `/attendance/offerings/${offering.id}/days/2026-03-10/sheet.pdf`);
    expect(pdf.pages).toBe(PEOPLE.length);
    const pages = pagesOf(pdf.text);
    expect(pages).toHaveLength(PEOPLE.length);
    pages.forEach((page, index) => {
      expect(IN_GERMAN_ORDER.filter((name) => page.includes(name))).toEqual([IN_GERMAN_ORDER[index]]);
      expect(page.replace(/\s+/g, ' ')).toContain(`Projekt: ${PROJECT_TITLE}`);
      expect(page).toContain('10.03.2026');
      // No "Seite 2 von 5": the count would tell each person how many attended.
      expect(page).not.toMatch(/Seite \d+ von/);
    });
  });

  it('answers 404 for a day without sessions or a date that is no date, and only the day’s trainers and coordinators get it', async () => {
    const { offering, trainer } = await twoDayWorkshop();
    const agent = await coordinatorAgent();
    for (const day of ['2026-03-12', '2026-02-30', 'gestern', '2026-3-10']) {
      expect((await agent.get(`/attendance/offerings/${offering.id}/days/${day}/sheet.pdf`)).status).toBe(404);
    }
    expect((await agent.get(`/attendance/offerings/999999/days/2026-03-10/sheet.pdf`)).status).toBe(404);
    const trainerAgent = await loginAs(ctx.app, trainer);
    expect((await trainerAgent.get(`/attendance/offerings/${offering.id}/days/2026-03-11/sheet.pdf`)).status).toBe(200);
    expect((await trainerAgent.get(`/attendance/offerings/${offering.id}/days/2026-03-10/sheet.pdf`)).status).toBe(403);
    const participant = await loginAs(ctx.app, await createUser(ctx.db));
    expect((await participant.get(`/attendance/offerings/${offering.id}/days/2026-03-11/sheet.pdf`)).status).toBe(403);
  });

  it('counts an uploaded signed sheet as proof for every session of its day, on the pages and in the published read model', async () => {
    const { offering, sessionIds } = await twoDayWorkshop();
    const agent = await coordinatorAgent();
    const missingIds = async () => (await sessionsMissingProof(ctx.db, { moment: new Date(), limit: 50 })).sessions.map((session) => session.session_id);
    expect(await missingIds()).toEqual(sessionIds);

    const before = textOf((await agent.get(`/manage/offerings/${offering.id}/attendance`)).text);
    expect(before.match(/Nachweis fehlt/g)).toHaveLength(3);
    expect(textOf((await agent.get(`/attendance/sessions/${sessionIds[0]}`)).text)).toContain('Nachweis für den 10.03.2026 fehlt');

    // The afternoon's scan proves the whole of 10 March.
    const page = await agent.get(`/attendance/sessions/${sessionIds[1]}`);
    const action = decodeEntities(/<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(page.text)![1]!);
    expect((await agent.post(action).attach('file', PDF, { filename: 'liste-10-03.pdf', contentType: 'application/pdf' })).status).toBe(303);

    expect(textOf((await agent.get(`/attendance/sessions/${sessionIds[0]}`)).text)).toContain('Nachweis für den 10.03.2026 vollständig');
    const after = textOf((await agent.get(`/manage/offerings/${offering.id}/attendance`)).text);
    expect(after.match(/Nachweis vollständig/g)).toHaveLength(2);
    expect(after.match(/Nachweis fehlt/g)).toHaveLength(1);
    const missing = await sessionsMissingProof(ctx.db, { moment: new Date(), limit: 50 });
    expect(missing).toEqual({ total: 1, sessions: [expect.objectContaining({ session_id: sessionIds[2], offering_id: offering.id, day: '2026-03-11' })] });
    // Filters: a period that ends before the 11th, another programme.
    expect((await sessionsMissingProof(ctx.db, { moment: new Date(), until: new Date('2026-03-11T00:00:00Z'), limit: 50 })).total).toBe(0);
    expect((await sessionsMissingProof(ctx.db, { moment: new Date(), programmeId: offering.programme_id + 1000, limit: 50 })).total).toBe(0);
  });

  it('shows the proof on the matrix with the same number of statements for 5 or 40 people', async () => {
    const small = await twoDayWorkshop();
    const large = await twoDayWorkshop();
    for (let index = 0; index < 35; index += 1) {
      const person = await createUser(ctx.db, { firstName: 'Person', lastName: `Weber${index}` });
      await ctx.db('enrollments').insert({ offering_id: large.offering.id, user_id: person.id, status: 'confirmed' });
    }
    const agent = await coordinatorAgent();
    await agent.get(`/manage/offerings/${small.offering.id}/attendance`).expect(200);
    const smallCount = await countQueries(ctx.db, () => agent.get(`/manage/offerings/${small.offering.id}/attendance`).expect(200));
    const largeCount = await countQueries(ctx.db, () => agent.get(`/manage/offerings/${large.offering.id}/attendance`).expect(200));
    expect(largeCount).toBe(smallCount);
    expect(largeCount).toBeLessThanOrEqual(6);
  });

  it('links the attendance overview with its exports from the offering page', async () => {
    const { offering } = await twoDayWorkshop();
    const page = await (await coordinatorAgent()).get(`/manage/offerings/${offering.id}`);
    expect(page.text).toContain(`href="/manage/offerings/${offering.id}/attendance"`);
    expect(textOf(page.text)).toContain('Anwesenheitsübersicht mit Export (CSV, Excel) und Nachweisen');
  });

  describe('the coordinator’s settings', () => {
    const programmeFields = (funderProjectTitle: string) => ({
      kind: 'workshop',
      title: 'Umgang mit extremistischen Gruppierungen',
      description: '',
      targetGroup: '',
      certificateKind: 'confirmation',
      completionRule: 'all',
      completionMinModules: '',
      active: 'yes',
      funderProjectTitle,
    });

    it('saves the project title as in the funding approval, refuses one that is too long, and says when the lists fall back', async () => {
      const programme = await createProgramme(ctx.db);
      const agent = await coordinatorAgent();
      const edit = `/manage/programmes/${programme.id}/edit`;

      const tooLong = await submitForm(agent, edit, `/manage/programmes/${programme.id}`, programmeFields('x'.repeat(301)));
      expect(tooLong.status).toBe(422);
      expect(textOf(tooLong.text)).toContain('Der Projekttitel laut Zuwendungsbescheid darf höchstens 300 Zeichen lang sein.');
      expect(tooLong.text).toContain('x'.repeat(301));

      const empty = await submitForm(agent, edit, `/manage/programmes/${programme.id}`, programmeFields(''));
      expect(empty.status).toBe(303);
      expect(textOf((await agent.get(`/manage/programmes/${programme.id}`)).text)).toContain(
        'Nicht angegeben – die Teilnehmendenlisten zeigen stattdessen den Titel des Programms: „Umgang mit extremistischen Gruppierungen“.',
      );

      const saved = await submitForm(agent, edit, `/manage/programmes/${programme.id}`, programmeFields(`  ${PROJECT_TITLE} `));
      expect(saved.status).toBe(303);
      expect((await ctx.db('programmes').where('id', programme.id).first()).funder_project_title).toBe(PROJECT_TITLE);
      expect(textOf((await agent.get(`/manage/programmes/${programme.id}`)).text)).toContain(`Projekttitel laut Zuwendungsbescheid ${PROJECT_TITLE}`);
      expect((await agent.get(edit)).text).toContain(`value="${PROJECT_TITLE}"`);
    });

    it('switches an offering to one sheet per person on the offering form, and keeps it when the form is saved again', async () => {
      const offering = await createOffering(ctx.db, { status: 'draft' });
      const agent = await coordinatorAgent();
      const edit = `/manage/offerings/${offering.id}/edit`;
      const form = await agent.get(edit);
      expect(textOf(form.text)).toContain('Ein eigenes Blatt je Person');
      expect(form.text).toMatch(/name="signInSheetMode" value="shared"\s+checked/);
      const row = await ctx.db('offerings').where('id', offering.id).first();
      const berlin = (date: Date) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin', dateStyle: 'short', timeStyle: 'short' }).format(date).replace(' ', 'T');
      const fields = {
        title: row.title,
        description: '',
        capacity: String(row.capacity),
        registrationOpensAt: berlin(row.registration_opens_at),
        registrationClosesAt: berlin(row.registration_closes_at),
        cancellationDeadline: '',
        location: row.location,
        requiresApproval: 'no',
      };
      const saved = await submitForm(agent, edit, `/manage/offerings/${offering.id}`, { ...fields, signInSheetMode: 'per_person' });
      expect(saved.status).toBe(303);
      expect((await ctx.db('offerings').where('id', offering.id).first()).sign_in_sheet_mode).toBe('per_person');
      expect((await agent.get(edit)).text).toMatch(/name="signInSheetMode" value="per_person"\s+checked/);

      const wrong = await submitForm(agent, edit, `/manage/offerings/${offering.id}`, { ...fields, signInSheetMode: 'niemand' });
      expect(wrong.status).toBe(422);
      expect((await ctx.db('offerings').where('id', offering.id).first()).sign_in_sheet_mode).toBe('per_person');
    });
  });
});
