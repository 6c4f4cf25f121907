import type { Database } from '../../src/db/database';
import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createQuestionnaire, seedResponses } from '../support/evaluation-factories';
import { createUser } from '../support/factories';
import { loginAs, submitForm, textOf } from '../support/http';

const DAY_MS = 24 * 60 * 60 * 1000;

type Subject = { scope: 'session'; sessionId: number } | { scope: 'module'; moduleId: number } | { scope: 'offering' };

async function closedEvaluation(db: Database, versionId: number, offeringId: number, subject: Subject, daysAgo = 1): Promise<number> {
  const closesAt = new Date(Date.now() - daysAgo * DAY_MS);
  const [row] = await db('evaluations')
    .insert({
      version_id: versionId,
      offering_id: offeringId,
      scope: subject.scope,
      session_id: subject.scope === 'session' ? subject.sessionId : null,
      module_id: subject.scope === 'module' ? subject.moduleId : null,
      opens_at: new Date(closesAt.getTime() - 14 * DAY_MS),
      closes_at: closesAt,
      closed_at: closesAt,
      invited_count: 6,
      answered_count: 5,
    })
    .returning('id');
  return (row as { id: number }).id;
}

describe('evaluation results of sessions, modules and whole offerings', () => {
  const ctx = useTestApp();

  it('shows a trainer the evaluation of a module or session they taught and of the whole offering, not of the other module', async () => {
    const firstTrainer = await createUser(ctx.db, { role: 'trainer' });
    const secondTrainer = await createUser(ctx.db, { role: 'trainer' });
    const series = await createProgramme(ctx.db, { kind: 'series', modules: 2 });
    const moduleIds = series.modules.map((module) => module.id);
    const offering = await createOffering(ctx.db, { programmeId: series.id, title: 'Durchgang 2026', sessions: 2, moduleIds, startsInDays: -40, registrationOpensInDays: -60 });
    await ctx.db('session_trainers').insert([
      { session_id: offering.sessionIds[0]!, user_id: firstTrainer.id },
      { session_id: offering.sessionIds[1]!, user_id: secondTrainer.id },
    ]);
    const questionnaire = await createQuestionnaire(ctx.db, { inUse: true });
    const moduleOne = await closedEvaluation(ctx.db, questionnaire.versionId, offering.id, { scope: 'module', moduleId: moduleIds[0]! });
    const moduleTwo = await closedEvaluation(ctx.db, questionnaire.versionId, offering.id, { scope: 'module', moduleId: moduleIds[1]! });
    const sessionTwo = await closedEvaluation(ctx.db, questionnaire.versionId, offering.id, { scope: 'session', sessionId: offering.sessionIds[1]! });
    const whole = await closedEvaluation(ctx.db, questionnaire.versionId, offering.id, { scope: 'offering' });
    for (const id of [moduleOne, moduleTwo, sessionTwo, whole]) await seedResponses(ctx.db, id, [1, 2, 3, 4, 5].map((point) => ({ [questionnaire.itemIds[0]!]: point })));

    const first = await loginAs(ctx.app, firstTrainer);
    const firstList = (await first.get('/evaluation/results').expect(200)).text;
    expect([moduleOne, moduleTwo, sessionTwo, whole].map((id) => firstList.includes(`data-evaluation="${id}"`))).toEqual([true, false, false, true]);
    expect(textOf((await first.get(`/evaluation/results/${moduleOne}`).expect(200)).text)).toContain('Modul „Modul 1“');
    await first.get(`/evaluation/results/${moduleTwo}`).expect(404);
    await first.get(`/evaluation/results/${sessionTwo}`).expect(404);
    await first.get(`/evaluation/results/${whole}`).expect(200);

    const second = await loginAs(ctx.app, secondTrainer);
    const secondList = (await second.get('/evaluation/results').expect(200)).text;
    expect([moduleOne, moduleTwo, sessionTwo, whole].map((id) => secondList.includes(`data-evaluation="${id}"`))).toEqual([false, true, true, true]);
    expect(textOf((await second.get(`/evaluation/results/${sessionTwo}`).expect(200)).text)).toMatch(/Gegenstand Termin am \d{2}\.\d{2}\.\d{4}/);
    await second.get(`/evaluation/results/${moduleOne}`).expect(404);

    // A trainer who is no longer a trainer sees nothing (the assignment stays as the record of who taught).
    await ctx.db('users').where({ id: firstTrainer.id }).update({ role: 'participant' });
    await (await loginAs(ctx.app, firstTrainer)).get(`/evaluation/results/${moduleOne}`).expect(403);
  });

  it('filters the list by programme and pages it, a page past the end showing the last one', async () => {
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    const workshop = await createProgramme(ctx.db, { title: 'Workshop Extremismus' });
    const fachtag = await createProgramme(ctx.db, { title: 'Fachtag Neutralität' });
    const questionnaire = await createQuestionnaire(ctx.db, { inUse: true });
    const many = await createOffering(ctx.db, { programmeId: workshop.id, sessions: 21, startsInDays: -400, registrationOpensInDays: -420 });
    for (const [index, sessionId] of many.sessionIds.entries()) await closedEvaluation(ctx.db, questionnaire.versionId, many.id, { scope: 'session', sessionId }, 400 - index * 14);
    const single = await createOffering(ctx.db, { programmeId: fachtag.id, title: 'Fachtag Eisenach', startsInDays: -20, registrationOpensInDays: -40 });
    const fachtagEvaluation = await closedEvaluation(ctx.db, questionnaire.versionId, single.id, { scope: 'offering' });

    const agent = await loginAs(ctx.app, coordinator);
    const onlyFachtag = await agent.get(`/evaluation/results?programme=${fachtag.id}`).expect(200);
    expect(textOf(onlyFachtag.text)).toContain('1 Befragung gefunden.');
    expect(onlyFachtag.text).toContain(`data-evaluation="${fachtagEvaluation}"`);
    expect(onlyFachtag.text).toContain(`<option value="${fachtag.id}" selected>`);

    const firstPage = await agent.get(`/evaluation/results?programme=${workshop.id}`).expect(200);
    expect(textOf(firstPage.text)).toContain('21 Befragungen gefunden.');
    expect(firstPage.text.match(/data-evaluation="/g)).toHaveLength(20);
    expect(textOf(firstPage.text)).toContain('Seite 1 von 2');
    const pastTheEnd = await agent.get(`/evaluation/results?programme=${workshop.id}&page=9`).expect(200);
    expect(pastTheEnd.text.match(/data-evaluation="/g)).toHaveLength(1);
    expect(textOf(pastTheEnd.text)).toContain('Seite 2 von 2');
    await agent.get('/evaluation/results?programme=abc').expect(422);
  });

  it('speaks English to a person who chose English, with English number formats', async () => {
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    const offering = await createOffering(ctx.db, { title: 'Workshop March', startsInDays: -20, registrationOpensInDays: -40 });
    const questionnaire = await createQuestionnaire(ctx.db, { inUse: true });
    const evaluation = await closedEvaluation(ctx.db, questionnaire.versionId, offering.id, { scope: 'offering' });
    await seedResponses(ctx.db, evaluation, [1, 2, 4, 4, 5, 5].map((point) => ({ [questionnaire.itemIds[0]!]: point })));
    const agent = await loginAs(ctx.app, coordinator);
    expect((await submitForm(agent, '/account', '/account/language', { lang: 'en' })).status).toBe(303);
    const text = textOf((await agent.get(`/evaluation/results/${evaluation}`).expect(200)).text);
    expect(text).toContain('Whole offering');
    expect(text).toContain('Response rate 83.3 %');
    expect(text).toContain('Mean 3.5, median 4 (6 answers; scale 1 to 5).');
  });
});
