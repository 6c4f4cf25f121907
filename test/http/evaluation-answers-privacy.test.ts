import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { answerAs, createQuestionnaire, openEvaluation } from '../support/evaluation-factories';
import { createUser } from '../support/factories';
import { loginAs, newAgent, textOf } from '../support/http';
import { anonymisePerson } from '../../src/privacy/erasure.service';
import { createRetentionService } from '../../src/privacy/retention.service';

describe('evaluation and privacy: notice, erasure, data export, retention', () => {
  const ctx = useTestApp();

  async function evaluationWith(participantIds: number[], options: { answeredIds?: number[] } = {}) {
    const programme = await createProgramme(ctx.db, { kind: 'workshop' });
    const offering = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop Herbst', startsInDays: -2 });
    const questionnaire = await createQuestionnaire(ctx.db);
    const evaluation = await openEvaluation(ctx.db, { versionId: questionnaire.versionId, offeringId: offering.id, participantIds, answeredIds: options.answeredIds });
    return { offering, questionnaire, evaluation };
  }

  it('the privacy notice explains the design and lists both kinds of evaluation data with their periods', async () => {
    const page = await newAgent(ctx.app).get('/datenschutz').expect(200);
    const text = textOf(page.text);
    expect(text).toContain('Rückmeldungen (Evaluation)');
    expect(text).toContain('Ihre Antworten werden ohne jede Verbindung zu Ihrer Person gespeichert');
    expect(text).toContain('Diese Angabe wird gelöscht, sobald der Fragebogen geschlossen wird');
    expect(text).toContain('nur, wenn mindestens 5 Antworten vorliegen; Freitexte nur über dieser Schwelle');
    expect(text).toContain('Referent:innen nur die ihrer eigenen Termine, Teilnehmende keine');
    expect(text).toContain('Rückmeldungen: ob jemand geantwortet hat');
    expect(text).toContain('bis der Fragebogen geschlossen wird (Ende der Antwortfrist)');
    expect(text).toContain('Rückmeldungen: anonyme Antworten');
    expect(page.text).toMatch(/data-category="evaluationAnswers"[\s\S]*?Jahre nach Ende des Jahres, in dem der Durchgang endete/);
  });

  it('erasure deletes the person\'s yes/no; the anonymous answers stay', async () => {
    const [leaving, staying] = [await createUser(ctx.db), await createUser(ctx.db)];
    const { evaluation, questionnaire } = await evaluationWith([leaving.id, staying.id]);
    expect((await answerAs(await loginAs(ctx.app, leaving), evaluation.id, { [questionnaire.itemIds[0]!]: '2' })).status).toBe(303);

    await ctx.db.transaction((trx) => anonymisePerson(trx, leaving.id, new Date()));
    expect(await ctx.db('evaluation_participants').pluck('user_id')).toEqual([staying.id]);
    expect(await ctx.db('evaluation_responses').count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  it('the data export lists the open evaluations with answered yes/no, never the answers', async () => {
    const person = await createUser(ctx.db);
    const { evaluation, questionnaire } = await evaluationWith([person.id]);
    const agent = await loginAs(ctx.app, person);
    await answerAs(agent, evaluation.id, { [questionnaire.itemIds[0]!]: '5', [questionnaire.itemIds[3]!]: 'Geheimer Kommentar' });
    const other = await evaluationWith([person.id]);

    const data = JSON.parse((await agent.get('/account/data.json').expect(200)).text);
    expect(data.evaluations).toEqual([
      expect.objectContaining({ evaluationId: evaluation.id, offering: 'Workshop Herbst', answered: true }),
      expect.objectContaining({ evaluationId: other.evaluation.id, answered: false }),
    ]);
    expect(JSON.stringify(data)).not.toContain('Geheimer Kommentar');
    await agent.get('/account/data.pdf').expect(200);
  });

  it('retention removes the answers with the funding records of their offering, and keeps newer ones', async () => {
    const { offering, evaluation, questionnaire } = await evaluationWith([]);
    await ctx.db('evaluation_responses').insert({ evaluation_id: evaluation.id, submitted_on: '2026-12-01', answers: { [questionnaire.itemIds[0]!]: 4 } });
    const later = await evaluationWith([]);
    await ctx.db('offering_sessions').where({ offering_id: later.offering.id }).update({ starts_at: new Date('2040-05-04T08:00:00Z'), ends_at: new Date('2040-05-04T15:00:00Z') });
    await ctx.db('evaluation_responses').insert({ evaluation_id: later.evaluation.id, submitted_on: '2040-05-05', answers: { [later.questionnaire.itemIds[0]!]: 3 } });

    // Far enough ahead that the first offering is past the funder's period, the second not.
    const years = ctx.config.retention.fundingYears;
    const now = new Date(`${2027 + years}-06-01T10:00:00Z`);
    const service = createRetentionService({ db: ctx.db, config: ctx.config, now: () => now });
    const admin = await createUser(ctx.db, { role: 'admin' });
    const due = await service.overview({ id: admin.id, email: admin.email, firstName: admin.firstName, lastName: admin.lastName, role: 'admin', locale: 'de', organisationId: null });
    expect(due.due.fundingRecords).toBeGreaterThanOrEqual(1);
    await service.applyAll();
    expect(await ctx.db('evaluations').pluck('offering_id')).toEqual([later.offering.id]);
    expect(await ctx.db('evaluation_responses').pluck('evaluation_id')).toEqual([later.evaluation.id]);
    expect(offering.id).not.toBe(later.offering.id);
  });
});
