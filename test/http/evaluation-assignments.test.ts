import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { assignQuestionnaire, createQuestionnaire } from '../support/evaluation-factories';
import { createUser } from '../support/factories';
import { csrfTokenIn, loginAs, submitForm, textOf } from '../support/http';

/** Which questionnaire a programme uses by default, and what an offering uses instead. */
describe('evaluation assignments', () => {
  const ctx = useTestApp();

  const coordinator = async () => loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
  const assignmentOf = async (where: { programme_id?: number; offering_id?: number }) =>
    ctx.db('evaluation_assignments').select('questionnaire_id', 'scope', 'answer_days').where(where).first() as Promise<{ questionnaire_id: number | null; scope: string; answer_days: number } | undefined>;

  it('sets a programme default questionnaire with scope and answer period, linked from the programme page, audited', async () => {
    const agent = await coordinator();
    const series = await createProgramme(ctx.db, { kind: 'series', modules: 2 });
    const questionnaire = await createQuestionnaire(ctx.db, { title: 'Feedback zum Modul' });
    await createQuestionnaire(ctx.db, { title: 'Alter Bogen', archived: true });

    const programmePage = await agent.get(`/manage/programmes/${series.id}`);
    expect(programmePage.text).toContain(`href="/manage/programmes/${series.id}/evaluation"`);

    const path = `/manage/programmes/${series.id}/evaluation`;
    const page = await agent.get(path);
    expect(page.status).toBe(200);
    expect(textOf(page.text)).toContain('Für dieses Programm ist keine Evaluation festgelegt.');
    expect(page.text).toContain('Feedback zum Modul</option>');
    expect(page.text).not.toContain('Alter Bogen');
    // A series is evaluated per module unless chosen otherwise; 14 days by default.
    expect(page.text).toMatch(/value="module"\s+checked/);
    expect(page.text).toMatch(/name="answerDays" type="number"\s+value="14"/);

    const response = await submitForm(agent, path, path, { questionnaireId: String(questionnaire.questionnaireId), scope: 'module', answerDays: '21' });
    expect(response.status).toBe(303);
    expect(await assignmentOf({ programme_id: series.id })).toEqual({ questionnaire_id: questionnaire.questionnaireId, scope: 'module', answer_days: 21 });
    expect(textOf((await agent.get(path)).text)).toContain('Das Programm verwendet „Feedback zum Modul“, nach jedem Modul (wenn sein letzter Termin im Angebot endet), Antwortzeitraum 21 Tage.');

    // Changing it updates the one row; choosing none removes it.
    await submitForm(agent, path, path, { questionnaireId: String(questionnaire.questionnaireId), scope: 'offering', answerDays: '14' });
    expect(await ctx.db('evaluation_assignments').where({ programme_id: series.id })).toHaveLength(1);
    await submitForm(agent, path, path, { questionnaireId: '', scope: 'offering', answerDays: '14' });
    expect(await assignmentOf({ programme_id: series.id })).toBeUndefined();
    const audit = await ctx.db('audit_events').where({ action: 'evaluation.assigned', subject_type: 'programme', subject_id: String(series.id) }).orderBy('id');
    expect(audit).toHaveLength(3);
    expect(audit[0]!.after).toEqual({ questionnaireId: questionnaire.questionnaireId, scope: 'module', answerDays: 21 });
  });

  it('refuses an answer period outside 1–90 days, a module scope for a workshop and archived questionnaires, with German messages, input kept', async () => {
    const agent = await coordinator();
    const workshop = await createProgramme(ctx.db, { kind: 'workshop' });
    const questionnaire = await createQuestionnaire(ctx.db);
    const archived = await createQuestionnaire(ctx.db, { archived: true });
    const path = `/manage/programmes/${workshop.id}/evaluation`;

    const page = await agent.get(path);
    expect(page.text).not.toContain('value="module"');
    expect(page.text).toMatch(/value="offering"\s+checked/);

    for (const answerDays of ['0', '91', 'vierzehn', '']) {
      const response = await submitForm(agent, path, path, { questionnaireId: String(questionnaire.questionnaireId), scope: 'offering', answerDays });
      expect(response.status).toBe(422);
      expect(textOf(response.text)).toContain('Bitte geben Sie eine ganze Zahl von 1 bis 90 ein.');
      expect(response.text).toContain('href="#field-answerDays"');
      expect(response.text).toMatch(new RegExp(`value="${questionnaire.questionnaireId}" selected`));
    }

    const moduleScope = await submitForm(agent, path, path, { questionnaireId: String(questionnaire.questionnaireId), scope: 'module', answerDays: '14' });
    expect(moduleScope.status).toBe(422);
    expect(textOf(moduleScope.text)).toContain('Je Modul evaluieren geht nur bei einer Reihe mit Modulen.');

    const archivedChoice = await submitForm(agent, path, path, { questionnaireId: String(archived.questionnaireId), scope: 'offering', answerDays: '14' });
    expect(archivedChoice.status).toBe(422);
    expect(textOf(archivedChoice.text)).toContain('Dieser Fragebogen steht nicht zur Auswahl');

    const unknown = await submitForm(agent, path, path, { questionnaireId: '999999', scope: 'offering', answerDays: '14' });
    expect(unknown.status).toBe(422);
    expect(await ctx.db('evaluation_assignments')).toHaveLength(0);
  });

  it('lets an offering follow its programme, use another questionnaire or none, and shows which one it uses', async () => {
    const agent = await coordinator();
    const workshop = await createProgramme(ctx.db, { kind: 'workshop' });
    const offering = await createOffering(ctx.db, { programmeId: workshop.id, title: 'Fachtag Herbst' });
    const standard = await createQuestionnaire(ctx.db, { title: 'Standardbogen' });
    const special = await createQuestionnaire(ctx.db, { title: 'Fachtag-Bogen' });
    await assignQuestionnaire(ctx.db, { programmeId: workshop.id, questionnaireId: standard.questionnaireId, scope: 'offering', answerDays: 10 });

    const offeringPage = await agent.get(`/manage/offerings/${offering.id}`);
    expect(offeringPage.text).toContain(`href="/manage/offerings/${offering.id}/evaluation"`);

    const path = `/manage/offerings/${offering.id}/evaluation`;
    let page = await agent.get(path);
    expect(page.status).toBe(200);
    expect(textOf(page.text)).toContain('„Standardbogen“, einmal am Ende des Angebots (Workshop, Fachtag), Antwortzeitraum 10 Tage (Vorgabe des Programms)');
    expect(page.text).toMatch(/value="programme"\s+checked/);

    expect((await submitForm(agent, path, path, { mode: 'other', questionnaireId: String(special.questionnaireId), scope: 'session', answerDays: '7' })).status).toBe(303);
    expect(await assignmentOf({ offering_id: offering.id })).toEqual({ questionnaire_id: special.questionnaireId, scope: 'session', answer_days: 7 });
    page = await agent.get(path);
    expect(textOf(page.text)).toContain('„Fachtag-Bogen“, nach jedem Termin, Antwortzeitraum 7 Tage (eigene Festlegung des Angebots)');
    expect(page.text).toMatch(/value="other"\s+checked/);
    // The programme's default is untouched.
    expect(await assignmentOf({ programme_id: workshop.id })).toEqual({ questionnaire_id: standard.questionnaireId, scope: 'offering', answer_days: 10 });

    expect((await submitForm(agent, path, path, { mode: 'none', questionnaireId: '', scope: 'session', answerDays: '7' })).status).toBe(303);
    expect(await assignmentOf({ offering_id: offering.id })).toMatchObject({ questionnaire_id: null });
    expect(textOf((await agent.get(path)).text)).toContain('Dieses Angebot wird nicht evaluiert.');

    expect((await submitForm(agent, path, path, { mode: 'programme' })).status).toBe(303);
    expect(await assignmentOf({ offering_id: offering.id })).toBeUndefined();
    expect(textOf((await agent.get(path)).text)).toContain('(Vorgabe des Programms)');
    expect(await ctx.db('audit_events').where({ action: 'evaluation.assigned', subject_type: 'offering', subject_id: String(offering.id) })).toHaveLength(3);

    // The questionnaire's page says where it is used.
    await assignQuestionnaire(ctx.db, { offeringId: offering.id, questionnaireId: standard.questionnaireId, scope: 'session' });
    const usage = textOf((await agent.get(`/evaluation/questionnaires/${standard.questionnaireId}`)).text);
    expect(usage).toContain(`Programm „${workshop.title}“ : einmal am Ende des Angebots (Workshop, Fachtag)`);
    expect(usage).toContain('Angebot „Fachtag Herbst“ : nach jedem Termin');
    expect(textOf((await agent.get(`/evaluation/questionnaires/${special.questionnaireId}`)).text)).toContain('Dieser Fragebogen ist noch keinem Programm und keinem Angebot zugeordnet.');
  });

  it('needs a questionnaire for "anderer Fragebogen", and answers 422 with the choice kept', async () => {
    const agent = await coordinator();
    const offering = await createOffering(ctx.db);
    const path = `/manage/offerings/${offering.id}/evaluation`;
    const response = await submitForm(agent, path, path, { mode: 'other', questionnaireId: '', scope: 'offering', answerDays: '14' });
    expect(response.status).toBe(422);
    expect(textOf(response.text)).toContain('Bitte wählen Sie einen Fragebogen aus.');
    expect(response.text).toMatch(/value="other"\s+checked/);
    const noMode = await submitForm(agent, path, path, { questionnaireId: '' });
    expect(noMode.status).toBe(422);
    expect(textOf(noMode.text)).toContain('Bitte wählen Sie, wie dieses Angebot evaluiert wird.');
    expect(await ctx.db('evaluation_assignments')).toHaveLength(0);
  });

  it('keeps a questionnaire archived after it was assigned when the form is saved unchanged', async () => {
    const agent = await coordinator();
    const programme = await createProgramme(ctx.db, { kind: 'workshop' });
    const questionnaire = await createQuestionnaire(ctx.db, { title: 'Auslaufmodell' });
    await assignQuestionnaire(ctx.db, { programmeId: programme.id, questionnaireId: questionnaire.questionnaireId, scope: 'offering' });
    await ctx.db('questionnaires').update({ archived_at: new Date() }).where('id', questionnaire.questionnaireId);
    const path = `/manage/programmes/${programme.id}/evaluation`;
    const page = await agent.get(path);
    expect(page.text).toMatch(new RegExp(`value="${questionnaire.questionnaireId}" selected>Auslaufmodell \\(archiviert\\)`));
    expect(textOf(page.text)).toContain('Dieser Fragebogen ist archiviert: mit ihm werden keine neuen Befragungen eröffnet.');
    expect((await submitForm(agent, path, path, { questionnaireId: String(questionnaire.questionnaireId), scope: 'offering', answerDays: '30' })).status).toBe(303);
    expect(await assignmentOf({ programme_id: programme.id })).toMatchObject({ questionnaire_id: questionnaire.questionnaireId, answer_days: 30 });
  });

  it('gives the same one row when two coordinators set a programme at once', async () => {
    const [first, second] = await Promise.all([coordinator(), coordinator()]);
    const programme = await createProgramme(ctx.db, { kind: 'workshop' });
    const [a, b] = await Promise.all([createQuestionnaire(ctx.db), createQuestionnaire(ctx.db)]);
    const path = `/manage/programmes/${programme.id}/evaluation`;
    const [pageA, pageB] = await Promise.all([first.get(path), second.get(path)]);
    const responses = await Promise.all([
      first.post(path).type('form').send({ questionnaireId: String(a.questionnaireId), scope: 'offering', answerDays: '14', _csrf: csrfTokenIn(pageA.text) }),
      second.post(path).type('form').send({ questionnaireId: String(b.questionnaireId), scope: 'session', answerDays: '14', _csrf: csrfTokenIn(pageB.text) }),
    ]);
    expect(responses.map((response) => response.status)).toEqual([303, 303]);
    expect(await ctx.db('evaluation_assignments').where({ programme_id: programme.id })).toHaveLength(1);
  });

  it('refuses trainers and participants, and answers 404 for programmes and offerings that do not exist', async () => {
    const programme = await createProgramme(ctx.db);
    const offering = await createOffering(ctx.db, { programmeId: programme.id });
    const questionnaire = await createQuestionnaire(ctx.db);
    for (const role of ['trainer', 'participant'] as const) {
      const agent = await loginAs(ctx.app, await createUser(ctx.db, { role }));
      expect((await agent.get(`/manage/programmes/${programme.id}/evaluation`)).status).toBe(403);
      expect((await agent.get(`/manage/offerings/${offering.id}/evaluation`)).status).toBe(403);
      const home = await agent.get('/');
      const posted = await agent
        .post(`/manage/offerings/${offering.id}/evaluation`)
        .type('form')
        .send({ mode: 'other', questionnaireId: String(questionnaire.questionnaireId), scope: 'offering', answerDays: '14', _csrf: csrfTokenIn(home.text) });
      expect(posted.status).toBe(403);
    }
    expect(await ctx.db('evaluation_assignments')).toHaveLength(0);

    const agent = await coordinator();
    expect((await agent.get('/manage/programmes/999999/evaluation')).status).toBe(404);
    expect((await agent.get('/manage/offerings/999999/evaluation')).status).toBe(404);
    const home = await agent.get('/');
    const posted = await agent.post('/manage/offerings/999999/evaluation').type('form').send({ mode: 'none', _csrf: csrfTokenIn(home.text) });
    expect(posted.status).toBe(404);
  });

  it('shows the assignment pages with at most 6 SQL statements, session and user included', async () => {
    const agent = await coordinator();
    const series = await createProgramme(ctx.db, { kind: 'series', modules: 2 });
    const offering = await createOffering(ctx.db, { programmeId: series.id });
    const questionnaire = await createQuestionnaire(ctx.db);
    await assignQuestionnaire(ctx.db, { programmeId: series.id, questionnaireId: questionnaire.questionnaireId, scope: 'module' });
    await assignQuestionnaire(ctx.db, { offeringId: offering.id, questionnaireId: null, scope: 'module' });
    for (const path of [`/manage/programmes/${series.id}/evaluation`, `/manage/offerings/${offering.id}/evaluation`]) {
      await agent.get(path).expect(200);
      const statements = await countQueries(ctx.db, () => agent.get(path).expect(200));
      expect({ path, withinBudget: statements <= 6 }).toEqual({ path, withinBudget: true });
    }
  });
});
