import type { SessionUser } from '../../src/accounts/roles';
import { systemActor } from '../../src/audit/audit.service';
import { createManageCatalogService } from '../../src/catalog/manage.service';
import { Forbidden } from '../../src/shared/errors';
import { useTestApp } from '../support/app';
import { createUser, type TestUser } from '../support/factories';
import { errorSummaryText, fieldErrorText, inputValue } from '../support/html';
import { csrfTokenIn, loginAs, newAgent, submitForm, textOf, type Agent } from '../support/http';

const MODULE_TITLES = [
  'Konflikte verstehen – Grundlagen, Dynamik und Eskalationsstufen',
  'Systemische Konfliktanalyse in der Kommune',
  'Kommunikation und Gesprächsführung in angespannten Situationen',
  'Moderation, Beteiligung und Mediation im Verwaltungsalltag',
  'Praxistransfer – eigene Konfliktfälle bearbeiten',
];

const idFrom = (location: string | undefined, prefix: string): number => {
  const match = new RegExp(`^${prefix}/(\\d+)$`).exec(location ?? '');
  if (!match?.[1]) throw new Error(`unexpected redirect: ${location}`);
  return Number(match[1]);
};

describe('coordinators set up programmes, offerings and sessions', () => {
  const ctx = useTestApp();

  async function coordinator(role: 'coordinator' | 'admin' = 'coordinator'): Promise<{ user: TestUser; agent: Agent }> {
    const user = await createUser(ctx.db, { role, firstName: 'Katrin', lastName: 'Koordina' });
    return { user, agent: await loginAs(ctx.app, user) };
  }

  async function createProgramme(agent: Agent, fields: Record<string, string> = {}): Promise<number> {
    const response = await submitForm(agent, '/manage/programmes/new', '/manage/programmes', {
      kind: 'series',
      title: 'Kommunales Konfliktmanagement – Theorie und Praxis',
      description: 'Fünf Module für Beschäftigte der Verwaltung.',
      targetGroup: 'Beschäftigte der Kommunalverwaltungen',
      certificateKind: 'certificate',
      completionRule: 'all',
      completionMinModules: '',
      active: 'yes',
      ...fields,
    });
    expect(response.status).toBe(303);
    return idFrom(response.headers.location, '/manage/programmes');
  }

  async function addModule(agent: Agent, programmeId: number, title: string, teachingUnits = '8') {
    return submitForm(agent, `/manage/programmes/${programmeId}`, `/manage/programmes/${programmeId}/modules`, { title, description: '', teachingUnits });
  }

  const offeringFields = (overrides: Record<string, string> = {}) => ({
    title: 'Durchgang 2027',
    description: '',
    capacity: '16',
    registrationOpensAt: '2027-01-04T08:00',
    registrationClosesAt: '2027-02-01T12:00',
    cancellationDeadline: '2027-01-25T23:59',
    location: 'Landratsamt, Großer Sitzungssaal',
    requiresApproval: 'no',
    ...overrides,
  });

  async function createOffering(agent: Agent, programmeId: number, overrides: Record<string, string> = {}): Promise<number> {
    const response = await submitForm(agent, '/manage/offerings/new', '/manage/offerings', { programmeId: String(programmeId), ...offeringFields(overrides) });
    expect(response.status).toBe(303);
    return idFrom(response.headers.location, '/manage/offerings');
  }

  async function addSession(agent: Agent, offeringId: number, fields: Record<string, string | string[]>) {
    const page = await agent.get(`/manage/offerings/${offeringId}`);
    return agent
      .post(`/manage/offerings/${offeringId}/sessions`)
      .type('form')
      .send({ location: 'Landratsamt, Raum 2.14', onlineUrl: '', ...fields, _csrf: csrfTokenIn(page.text) });
  }

  /** A series with modules and a draft offering, set up through the forms. */
  async function seriesWithOffering(agent: Agent, moduleCount = 2) {
    const programmeId = await createProgramme(agent);
    for (const title of MODULE_TITLES.slice(0, moduleCount)) expect((await addModule(agent, programmeId, title)).status).toBe(303);
    const modules = await ctx.db('modules').select('id', 'position').where('programme_id', programmeId).orderBy('position');
    const offeringId = await createOffering(agent, programmeId);
    return { programmeId, offeringId, moduleIds: modules.map((row) => row.id as number) };
  }

  it('sets up a five-module series with an offering and five sessions and publishes it', async () => {
    const { agent } = await coordinator();
    const trainer = await createUser(ctx.db, { role: 'trainer', firstName: 'Jana', lastName: 'Feldkamp' });

    const programmeId = await createProgramme(agent);
    for (const title of MODULE_TITLES) expect((await addModule(agent, programmeId, title)).status).toBe(303);
    const programmePage = await agent.get(`/manage/programmes/${programmeId}`);
    expect(programmePage.status).toBe(200);
    const programmeText = textOf(programmePage.text);
    const offsets = MODULE_TITLES.map((title) => programmeText.indexOf(title));
    expect(offsets.every((offset) => offset > 0)).toBe(true);
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);

    // At least 4 of 5 modules is a valid completion rule; 6 of 5 is not.
    const tooMany = await submitForm(agent, `/manage/programmes/${programmeId}/edit`, `/manage/programmes/${programmeId}`, {
      kind: 'series',
      title: 'Kommunales Konfliktmanagement – Theorie und Praxis',
      certificateKind: 'certificate',
      completionRule: 'min',
      completionMinModules: '6',
      active: 'yes',
    });
    expect(tooMany.status).toBe(422);
    expect(fieldErrorText(tooMany.text, 'completionMinModules')).toBe('Die Mindestanzahl muss zwischen 1 und 5 (Anzahl der Module) liegen.');
    const four = await submitForm(agent, `/manage/programmes/${programmeId}/edit`, `/manage/programmes/${programmeId}`, {
      kind: 'series',
      title: 'Kommunales Konfliktmanagement – Theorie und Praxis',
      certificateKind: 'certificate',
      completionRule: 'min',
      completionMinModules: '4',
      active: 'yes',
    });
    expect(four.status).toBe(303);
    expect(await ctx.db('programmes').first('completion_rule', 'completion_min_modules').where('id', programmeId)).toEqual({ completion_rule: 'min', completion_min_modules: 4 });

    const offeringId = await createOffering(agent, programmeId, { title: 'Durchgang 2026/27' });
    const modules = await ctx.db('modules').select('id', 'position').where('programme_id', programmeId).orderBy('position');
    expect(modules.map((row) => row.position)).toEqual([1, 2, 3, 4, 5]);
    const days = ['2027-02-10', '2027-02-24', '2027-03-10', '2027-03-24', '2027-04-07'];
    for (const [index, module] of modules.entries()) {
      const response = await addSession(agent, offeringId, {
        moduleId: String(module.id),
        startsAt: `${days[index]}T09:00`,
        endsAt: `${days[index]}T16:30`,
        trainerIds: String(trainer.id),
      });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe(`/manage/offerings/${offeringId}`);
    }

    const published = await submitForm(agent, `/manage/offerings/${offeringId}`, `/manage/offerings/${offeringId}/publish`, {});
    expect(published.status).toBe(303);
    const page = await agent.get(`/manage/offerings/${offeringId}`);
    const text = textOf(page.text);
    expect(text).toContain('Der Durchgang wurde veröffentlicht.');
    expect(text).toContain('10.02.2027, 09:00 Uhr bis 16:30 Uhr');
    expect(text).toContain('5. Praxistransfer – eigene Konfliktfälle bearbeiten');
    expect(text).toContain('Jana Feldkamp');
    expect(page.text).toContain(`href="/manage/offerings/${offeringId}/enrollments"`);

    const offering = await ctx.db('offerings').first('status', 'capacity', 'registration_closes_at').where('id', offeringId);
    expect(offering.status).toBe('published');
    expect(offering.registration_closes_at.toISOString()).toBe('2027-02-01T11:00:00.000Z');
    const sessions = await ctx.db('offering_sessions').select('module_id', 'starts_at').where('offering_id', offeringId).orderBy('starts_at');
    expect(sessions.map((row) => row.module_id)).toEqual(modules.map((row) => row.id));
    // 09:00 in Berlin in February is 08:00 UTC.
    expect(sessions[0]?.starts_at.toISOString()).toBe('2027-02-10T08:00:00.000Z');
    expect(await ctx.db('session_trainers').count({ count: '*' }).first()).toEqual({ count: 5 });

    const actions = (await ctx.db('audit_events').select('action').orderBy('id')).map((row) => row.action);
    expect(actions.filter((action) => action.startsWith('module.created'))).toHaveLength(5);
    expect(actions.filter((action) => action === 'session.created')).toHaveLength(5);
    expect(actions).toEqual(expect.arrayContaining(['programme.created', 'programme.updated', 'offering.created', 'offering.published']));

    const listed = await agent.get('/manage/offerings?status=published');
    expect(textOf(listed.text)).toContain('Durchgang 2026/27');
    expect(textOf(listed.text)).toContain('10.02.2027 bis 07.04.2027');
    const drafts = await agent.get('/manage/offerings?status=draft');
    expect(textOf(drafts.text)).not.toContain('Durchgang 2026/27');
  });

  it('moves modules up and down, keeping positions 1..n', async () => {
    const { agent } = await coordinator();
    const programmeId = await createProgramme(agent);
    for (const title of MODULE_TITLES.slice(0, 3)) await addModule(agent, programmeId, title);
    const order = async () => (await ctx.db('modules').select('title', 'position').where('programme_id', programmeId).orderBy('position')).map((row) => `${row.position}:${row.title}`);
    const [first, second, third] = await ctx.db('modules').select('id').where('programme_id', programmeId).orderBy('position');

    const up = await submitForm(agent, `/manage/programmes/${programmeId}`, `/manage/programmes/${programmeId}/modules/${third.id}/move`, { direction: 'up' });
    expect(up.status).toBe(303);
    expect(await order()).toEqual([`1:${MODULE_TITLES[0]}`, `2:${MODULE_TITLES[2]}`, `3:${MODULE_TITLES[1]}`]);

    await submitForm(agent, `/manage/programmes/${programmeId}`, `/manage/programmes/${programmeId}/modules/${first.id}/move`, { direction: 'down' });
    expect(await order()).toEqual([`1:${MODULE_TITLES[2]}`, `2:${MODULE_TITLES[0]}`, `3:${MODULE_TITLES[1]}`]);

    // Moving the last module further down changes nothing.
    await submitForm(agent, `/manage/programmes/${programmeId}`, `/manage/programmes/${programmeId}/modules/${second.id}/move`, { direction: 'down' });
    expect(await order()).toEqual([`1:${MODULE_TITLES[2]}`, `2:${MODULE_TITLES[0]}`, `3:${MODULE_TITLES[1]}`]);
    expect(await ctx.db('audit_events').where('action', 'module.moved').count({ count: '*' }).first()).toEqual({ count: 2 });
  });

  it('edits a module and refuses negative teaching units', async () => {
    const { agent } = await coordinator();
    const programmeId = await createProgramme(agent);
    await addModule(agent, programmeId, 'Grundlagen');
    const module = await ctx.db('modules').first('id').where('programme_id', programmeId);
    const editPage = `/manage/programmes/${programmeId}/modules/${module.id}/edit`;
    const negative = await submitForm(agent, editPage, `/manage/programmes/${programmeId}/modules/${module.id}`, { title: 'Grundlagen der Konfliktarbeit', teachingUnits: '-1' });
    expect(negative.status).toBe(422);
    expect(fieldErrorText(negative.text, 'teachingUnits')).toBe('Bitte geben Sie eine Zahl ab 0 ein.');
    expect(inputValue(negative.text, 'title')).toBe('Grundlagen der Konfliktarbeit');
    const saved = await submitForm(agent, editPage, `/manage/programmes/${programmeId}/modules/${module.id}`, { title: 'Grundlagen der Konfliktarbeit', description: 'Eskalationsstufen', teachingUnits: '0' });
    expect(saved.status).toBe(303);
    expect(await ctx.db('modules').first('title', 'teaching_units').where('id', module.id)).toEqual({ title: 'Grundlagen der Konfliktarbeit', teaching_units: 0 });
  });

  describe('validation', () => {
    it('refuses a session that ends before it starts, keeping the input', async () => {
      const { agent } = await coordinator();
      const { offeringId, moduleIds } = await seriesWithOffering(agent);
      const response = await addSession(agent, offeringId, { moduleId: String(moduleIds[0]), startsAt: '2027-02-10T16:00', endsAt: '2027-02-10T09:00' });
      expect(response.status).toBe(422);
      expect(errorSummaryText(response.text)).toContain('Bitte prüfen Sie Ihre Angaben');
      expect(fieldErrorText(response.text, 'endsAt')).toBe('Das Ende muss nach dem Beginn liegen.');
      expect(inputValue(response.text, 'startsAt')).toBe('2027-02-10T16:00');
      expect(inputValue(response.text, 'location')).toBe('Landratsamt, Raum 2.14');
      expect(await ctx.db('offering_sessions').count({ count: '*' }).first()).toEqual({ count: 0 });
    });

    it('refuses a session that starts before registration closes', async () => {
      const { agent } = await coordinator();
      const { offeringId, moduleIds } = await seriesWithOffering(agent);
      // Registration closes 01.02.2027, 12:00; this session starts that morning.
      const response = await addSession(agent, offeringId, { moduleId: String(moduleIds[0]), startsAt: '2027-02-01T09:00', endsAt: '2027-02-01T16:00' });
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'startsAt')).toContain('Der Termin beginnt vor dem Anmeldeschluss des Durchgangs.');
      expect(await ctx.db('offering_sessions').count({ count: '*' }).first()).toEqual({ count: 0 });
    });

    it('refuses moving registration close after the first session', async () => {
      const { agent } = await coordinator();
      const { offeringId, moduleIds } = await seriesWithOffering(agent);
      expect((await addSession(agent, offeringId, { moduleId: String(moduleIds[0]), startsAt: '2027-02-10T09:00', endsAt: '2027-02-10T16:00' })).status).toBe(303);
      const response = await submitForm(agent, `/manage/offerings/${offeringId}/edit`, `/manage/offerings/${offeringId}`, offeringFields({ registrationClosesAt: '2027-02-10T10:00' }));
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'registrationClosesAt')).toContain('Der Anmeldeschluss muss spätestens zu Beginn des ersten Termins liegen.');
      expect(errorSummaryText(response.text)).toContain('Der Anmeldeschluss muss spätestens zu Beginn des ersten Termins liegen.');
      expect(inputValue(response.text, 'registrationClosesAt')).toBe('2027-02-10T10:00');
      const offering = await ctx.db('offerings').first('registration_closes_at').where('id', offeringId);
      expect(offering.registration_closes_at.toISOString()).toBe('2027-02-01T11:00:00.000Z');
    });

    it('refuses an offering with capacity 0 or a registration window that closes before it opens', async () => {
      const { agent } = await coordinator();
      const programmeId = await createProgramme(agent);
      const response = await submitForm(agent, '/manage/offerings/new', '/manage/offerings', {
        programmeId: String(programmeId),
        ...offeringFields({ capacity: '0', registrationClosesAt: '2027-01-01T08:00' }),
      });
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'capacity')).toBe('Bitte geben Sie eine Zahl ab 1 ein.');
      expect(inputValue(response.text, 'capacity')).toBe('0');
      expect(errorSummaryText(response.text)).toContain('Bitte geben Sie eine Zahl ab 1 ein.');
      expect(inputValue(response.text, 'title')).toBe('Durchgang 2027');
      expect(await ctx.db('offerings').count({ count: '*' }).first()).toEqual({ count: 0 });

      const window = await submitForm(agent, '/manage/offerings/new', '/manage/offerings', {
        programmeId: String(programmeId),
        ...offeringFields({ registrationClosesAt: '2027-01-01T08:00' }),
      });
      expect(window.status).toBe(422);
      expect(fieldErrorText(window.text, 'registrationClosesAt')).toBe('Der Anmeldeschluss muss nach dem Anmeldebeginn liegen.');
      expect(await ctx.db('offerings').count({ count: '*' }).first()).toEqual({ count: 0 });
    });

    it('requires a module for a session of a series, and none for a workshop', async () => {
      const { agent } = await coordinator();
      const { offeringId } = await seriesWithOffering(agent);
      const missing = await addSession(agent, offeringId, { moduleId: '', startsAt: '2027-02-10T09:00', endsAt: '2027-02-10T16:00' });
      expect(missing.status).toBe(422);
      expect(fieldErrorText(missing.text, 'moduleId')).toBe('Bitte wählen Sie das Modul aus, zu dem dieser Termin gehört.');
      expect(await ctx.db('offering_sessions').count({ count: '*' }).first()).toEqual({ count: 0 });

      const workshopId = await createProgramme(agent, { kind: 'workshop', title: 'Umgang mit extremistischen Gruppierungen', certificateKind: 'confirmation' });
      const workshopOffering = await createOffering(agent, workshopId, { title: 'Workshop März 2027' });
      const workshopPage = await agent.get(`/manage/offerings/${workshopOffering}`);
      expect(workshopPage.text).not.toContain('name="moduleId"');
      const saved = await addSession(agent, workshopOffering, { startsAt: '2027-03-10T09:00', endsAt: '2027-03-10T16:00' });
      expect(saved.status).toBe(303);
      expect(await ctx.db('offering_sessions').first('module_id').where('offering_id', workshopOffering)).toEqual({ module_id: null });
    });

    it('refuses an online link that is not https and a completion minimum without modules', async () => {
      const { agent } = await coordinator();
      const { offeringId, moduleIds } = await seriesWithOffering(agent);
      const plain = await addSession(agent, offeringId, { moduleId: String(moduleIds[0]), startsAt: '2027-02-10T09:00', endsAt: '2027-02-10T16:00', onlineUrl: 'http://konferenz.example/raum' });
      expect(plain.status).toBe(422);
      expect(fieldErrorText(plain.text, 'onlineUrl')).toBe('Bitte geben Sie eine vollständige Adresse ein, die mit https:// beginnt.');

      const response = await submitForm(agent, '/manage/programmes/new', '/manage/programmes', {
        kind: 'series',
        title: 'Neue Reihe',
        certificateKind: 'certificate',
        completionRule: 'min',
        completionMinModules: '3',
        active: 'yes',
      });
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'completionMinModules')).toContain('Die Reihe hat noch keine Module.');
      expect(await ctx.db('programmes').where('title', 'Neue Reihe').count({ count: '*' }).first()).toEqual({ count: 0 });
    });
  });

  it('warns, but saves, when a trainer is booked in another session at the same time', async () => {
    const { agent } = await coordinator();
    const trainer = await createUser(ctx.db, { role: 'trainer', firstName: 'Tobias', lastName: 'Großmann' });
    const { offeringId, moduleIds } = await seriesWithOffering(agent);
    const workshopId = await createProgramme(agent, { kind: 'workshop', title: 'Umgang mit extremistischen Gruppierungen', certificateKind: 'confirmation' });
    const workshopOffering = await createOffering(agent, workshopId, { title: 'Workshop Februar 2027' });

    const first = await addSession(agent, workshopOffering, { startsAt: '2027-02-10T10:00', endsAt: '2027-02-10T12:00', trainerIds: String(trainer.id) });
    expect(first.status).toBe(303);
    expect(textOf((await agent.get(String(first.headers.location))).text)).toContain('Der Termin wurde hinzugefügt.');

    const overlapping = await addSession(agent, offeringId, { moduleId: String(moduleIds[0]), startsAt: '2027-02-10T11:00', endsAt: '2027-02-10T15:00', trainerIds: String(trainer.id) });
    expect(overlapping.status).toBe(303);
    const page = await agent.get(String(overlapping.headers.location));
    expect(page.text).toContain('kern-alert--warning');
    expect(textOf(page.text)).toContain(
      'Der Termin wurde gespeichert. Achtung, Doppelbuchung: Tobias Großmann ist zur selben Zeit bereits für „Workshop Februar 2027“ (Umgang mit extremistischen Gruppierungen) am 10.02.2027, 10:00 Uhr bis 12:00 Uhr eingeplant.',
    );
    expect(await ctx.db('offering_sessions').count({ count: '*' }).first()).toEqual({ count: 2 });

    // Back to back (the series session ends at 15:00) is not a double booking.
    const adjacent = await addSession(agent, offeringId, { moduleId: String(moduleIds[1]), startsAt: '2027-02-10T15:00', endsAt: '2027-02-10T16:00', trainerIds: String(trainer.id) });
    const adjacentPage = await agent.get(String(adjacent.headers.location));
    expect(adjacentPage.text).not.toContain('kern-alert--warning');
    expect(textOf(adjacentPage.text)).toContain('Der Termin wurde hinzugefügt.');
  });

  it('edits a session with its trainers and re-renders unticked trainers after an error', async () => {
    const { agent } = await coordinator();
    const trainerA = await createUser(ctx.db, { role: 'trainer', firstName: 'Jana', lastName: 'Feldkamp' });
    const trainerB = await createUser(ctx.db, { role: 'trainer', firstName: 'Tobias', lastName: 'Großmann' });
    const { offeringId, moduleIds } = await seriesWithOffering(agent);
    await addSession(agent, offeringId, { moduleId: String(moduleIds[0]), startsAt: '2027-02-10T09:00', endsAt: '2027-02-10T16:00', trainerIds: String(trainerA.id) });
    const session = await ctx.db('offering_sessions').first('id').where('offering_id', offeringId);
    const editPage = `/manage/offerings/${offeringId}/sessions/${session.id}/edit`;
    const form = await agent.get(editPage);
    expect(form.text).toMatch(new RegExp(`value="${trainerA.id}"\\s+checked`));
    expect(inputValue(form.text, 'startsAt')).toBe('2027-02-10T09:00');

    const failed = await agent
      .post(`/manage/offerings/${offeringId}/sessions/${session.id}`)
      .type('form')
      .send({ moduleId: String(moduleIds[1]), startsAt: '2027-02-11T09:00', endsAt: '', location: 'Rathaus', trainerIds: String(trainerB.id), _csrf: csrfTokenIn(form.text) });
    expect(failed.status).toBe(422);
    expect(failed.text).toMatch(new RegExp(`value="${trainerB.id}"\\s+checked`));
    expect(failed.text).not.toMatch(new RegExp(`value="${trainerA.id}"\\s+checked`));

    const saved = await agent
      .post(`/manage/offerings/${offeringId}/sessions/${session.id}`)
      .type('form')
      .send({ moduleId: String(moduleIds[1]), startsAt: '2027-02-11T09:00', endsAt: '2027-02-11T12:00', location: 'Rathaus', trainerIds: [String(trainerA.id), String(trainerB.id)], _csrf: csrfTokenIn(form.text) });
    expect(saved.status).toBe(303);
    expect(await ctx.db('offering_sessions').first('module_id', 'location').where('id', session.id)).toEqual({ module_id: moduleIds[1], location: 'Rathaus' });
    expect((await ctx.db('session_trainers').select('user_id').where('session_id', session.id).orderBy('user_id')).map((row) => row.user_id)).toEqual([trainerA.id, trainerB.id]);
  });

  it('refuses to publish an offering without sessions', async () => {
    const { agent } = await coordinator();
    const { offeringId } = await seriesWithOffering(agent);
    const response = await submitForm(agent, `/manage/offerings/${offeringId}`, `/manage/offerings/${offeringId}/publish`, {});
    expect(response.status).toBe(422);
    expect(errorSummaryText(response.text)).toContain('Der Durchgang kann noch nicht veröffentlicht werden: Bitte legen Sie zuerst mindestens einen Termin an.');
    expect(await ctx.db('offerings').first('status').where('id', offeringId)).toEqual({ status: 'draft' });
    expect(await ctx.db('audit_events').where('action', 'offering.published').count({ count: '*' }).first()).toEqual({ count: 0 });
  });

  it('refuses lowering the capacity below the confirmed enrollments', async () => {
    const { agent } = await coordinator();
    const { offeringId } = await seriesWithOffering(agent);
    for (let n = 0; n < 3; n += 1) {
      const participant = await createUser(ctx.db);
      await ctx.db('enrollments').insert({ offering_id: offeringId, user_id: participant.id, status: 'confirmed', confirmed_at: new Date() });
    }
    const response = await submitForm(agent, `/manage/offerings/${offeringId}/edit`, `/manage/offerings/${offeringId}`, offeringFields({ capacity: '2' }));
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'capacity')).toBe('Es sind bereits 3 Plätze bestätigt. Die Zahl der Plätze kann nicht darunter gesenkt werden.');
    expect(errorSummaryText(response.text)).toContain('Es sind bereits 3 Plätze bestätigt.');
    expect(inputValue(response.text, 'capacity')).toBe('2');
    expect(await ctx.db('offerings').first('capacity').where('id', offeringId)).toEqual({ capacity: 16 });

    const exact = await submitForm(agent, `/manage/offerings/${offeringId}/edit`, `/manage/offerings/${offeringId}`, offeringFields({ capacity: '3' }));
    expect(exact.status).toBe(303);
    expect(await ctx.db('offerings').first('capacity').where('id', offeringId)).toEqual({ capacity: 3 });
  });

  it('cancels an offering after a confirmation step', async () => {
    const { agent } = await coordinator();
    const { offeringId } = await seriesWithOffering(agent);
    const confirmation = await agent.get(`/manage/offerings/${offeringId}/cancel`);
    expect(confirmation.status).toBe(200);
    expect(textOf(confirmation.text)).toContain('Möchten Sie den Durchgang „Durchgang 2027“ wirklich absagen?');
    expect(await ctx.db('offerings').first('status').where('id', offeringId)).toEqual({ status: 'draft' });

    const response = await agent.post(`/manage/offerings/${offeringId}/cancel`).type('form').send({ _csrf: csrfTokenIn(confirmation.text) });
    expect(response.status).toBe(303);
    expect(await ctx.db('offerings').first('status').where('id', offeringId)).toEqual({ status: 'cancelled' });
    const page = await agent.get(`/manage/offerings/${offeringId}`);
    expect(textOf(page.text)).toContain('Dieser Durchgang ist abgesagt');
    expect(page.text).not.toContain(`action="/manage/offerings/${offeringId}/publish"`);
    const edit = await submitForm(agent, `/manage/offerings/${offeringId}/edit`, `/manage/offerings/${offeringId}`, offeringFields({ title: 'Neuer Titel' }));
    expect(edit.status).toBe(409);
    expect(await ctx.db('audit_events').where('action', 'offering.cancelled').count({ count: '*' }).first()).toEqual({ count: 1 });
  });

  it('deletes a session, but not the last one of a published offering', async () => {
    const { agent } = await coordinator();
    const { offeringId, moduleIds } = await seriesWithOffering(agent);
    await addSession(agent, offeringId, { moduleId: String(moduleIds[0]), startsAt: '2027-02-10T09:00', endsAt: '2027-02-10T16:00' });
    await addSession(agent, offeringId, { moduleId: String(moduleIds[1]), startsAt: '2027-02-17T09:00', endsAt: '2027-02-17T16:00' });
    expect((await submitForm(agent, `/manage/offerings/${offeringId}`, `/manage/offerings/${offeringId}/publish`, {})).status).toBe(303);
    const [first, second] = await ctx.db('offering_sessions').select('id').where('offering_id', offeringId).orderBy('starts_at');
    const deleted = await submitForm(agent, `/manage/offerings/${offeringId}`, `/manage/offerings/${offeringId}/sessions/${first.id}/delete`, {});
    expect(deleted.status).toBe(303);
    const refused = await submitForm(agent, `/manage/offerings/${offeringId}`, `/manage/offerings/${offeringId}/sessions/${second.id}/delete`, {});
    expect(refused.status).toBe(422);
    expect(errorSummaryText(refused.text)).toContain('Der letzte Termin eines veröffentlichten Durchgangs kann nicht gelöscht werden.');
    expect((await ctx.db('offering_sessions').select('id').where('offering_id', offeringId)).map((row) => row.id)).toEqual([second.id]);
  });

  describe('access', () => {
    it('sends anonymous visitors to the login page and refuses their posts', async () => {
      const anonymous = newAgent(ctx.app);
      for (const path of ['/manage/programmes', '/manage/offerings', '/manage/programmes/new']) {
        const response = await anonymous.get(path);
        expect(response.status).toBe(302);
        expect(response.headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);
      }
      const login = await anonymous.get('/login');
      const post = await anonymous.post('/manage/programmes').type('form').send({ kind: 'series', title: 'Heimlich', certificateKind: 'certificate', active: 'yes', _csrf: csrfTokenIn(login.text) });
      expect(post.status).toBe(403);
      expect(await ctx.db('programmes').count({ count: '*' }).first()).toEqual({ count: 0 });
    });

    it.each(['participant', 'trainer'] as const)('refuses a %s with 403', async (role) => {
      const { agent: coordinatorAgent } = await coordinator();
      const { programmeId, offeringId } = await seriesWithOffering(coordinatorAgent, 1);
      const person = await createUser(ctx.db, { role });
      const agent = await loginAs(ctx.app, person);
      for (const path of ['/manage/programmes', `/manage/programmes/${programmeId}`, '/manage/offerings', `/manage/offerings/${offeringId}`, `/manage/offerings/${offeringId}/cancel`]) {
        expect((await agent.get(path)).status).toBe(403);
      }
      const account = await agent.get('/account');
      const token = csrfTokenIn(account.text);
      const create = await agent.post('/manage/programmes').type('form').send({ kind: 'series', title: 'Heimlich', certificateKind: 'certificate', active: 'yes', _csrf: token });
      expect(create.status).toBe(403);
      const cancel = await agent.post(`/manage/offerings/${offeringId}/cancel`).type('form').send({ _csrf: token });
      expect(cancel.status).toBe(403);
      expect(await ctx.db('programmes').count({ count: '*' }).first()).toEqual({ count: 1 });
      expect(await ctx.db('offerings').first('status').where('id', offeringId)).toEqual({ status: 'draft' });
    });

    it('lets administrators manage the catalog too', async () => {
      const { agent } = await coordinator('admin');
      const programmeId = await createProgramme(agent, { kind: 'event', title: 'Fachtag Neutralität', certificateKind: 'confirmation' });
      expect((await agent.get(`/manage/programmes/${programmeId}`)).status).toBe(200);
      expect((await agent.get('/manage/offerings')).status).toBe(200);
    });

    it('checks the role inside the service as well', async () => {
      const participant = await createUser(ctx.db, { role: 'participant' });
      const asParticipant: SessionUser = { id: participant.id, email: participant.email, firstName: 'Erika', lastName: 'Muster', role: 'participant', locale: 'de', organisationId: null };
      const noSeats = { confirmedSeats: async () => 0, capacityChanged: async () => undefined, offeringCancelled: async () => undefined };
      const service = createManageCatalogService(ctx.db, noSeats);
      await expect(service.listProgrammes(asParticipant)).rejects.toBeInstanceOf(Forbidden);
      await expect(service.listOfferingsForProgramme(asParticipant, 1)).rejects.toBeInstanceOf(Forbidden);
      await expect(
        service.createProgramme(
          asParticipant,
          { kind: 'workshop', title: 'X', description: '', targetGroup: '', certificateKind: 'confirmation', completionRule: 'all', completionMinModules: null, active: true },
          systemActor,
        ),
      ).rejects.toBeInstanceOf(Forbidden);
      await expect(service.publishOffering({ ...asParticipant, role: 'trainer' }, 1, systemActor)).rejects.toBeInstanceOf(Forbidden);
      expect(await ctx.db('programmes').count({ count: '*' }).first()).toEqual({ count: 0 });
    });
  });
});
