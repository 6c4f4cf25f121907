import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { answerAs, createQuestionnaire, openEvaluation, type CreatedQuestionnaire } from '../support/evaluation-factories';
import { createUser, type TestUser } from '../support/factories';
import { csrfTokenIn, loginAs, newAgent, textOf } from '../support/http';
import { countQueries } from '../support/database';
import { formatDate } from '../../src/shared/format';

describe('answering an evaluation: only participants, once, with German messages', () => {
  const ctx = useTestApp();

  type Fixture = { questionnaire: CreatedQuestionnaire; offering: { id: number; title: string }; evaluation: { id: number }; attendee: TestUser; stranger: TestUser };

  async function fixture(options: { closesInDays?: number; closed?: boolean; answered?: boolean } = {}): Promise<Fixture> {
    const programme = await createProgramme(ctx.db, { kind: 'workshop' });
    const offering = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop Herbst', startsInDays: -2 });
    const questionnaire = await createQuestionnaire(ctx.db, { title: 'Feedback Workshop', introduction: 'Ihre Meinung hilft uns.' });
    const attendee = await createUser(ctx.db, { firstName: 'Anna', lastName: 'Anwesend' });
    const stranger = await createUser(ctx.db, { firstName: 'Nils', lastName: 'Nichtdabei' });
    const evaluation = await openEvaluation(ctx.db, {
      versionId: questionnaire.versionId,
      offeringId: offering.id,
      participantIds: [attendee.id],
      answeredIds: options.answered ? [attendee.id] : [],
      closesInDays: options.closesInDays ?? 10,
      closed: options.closed,
    });
    return { questionnaire, offering, evaluation, attendee, stranger };
  }

  it('shows the questionnaire as a form: a fieldset and legend per item, the scale as five radios with the end labels, required items marked', async () => {
    const { evaluation, attendee } = await fixture();
    const agent = await loginAs(ctx.app, attendee);
    const page = await agent.get(`/evaluations/${evaluation.id}`).expect(200);
    expect(page.text.match(/<fieldset/g)).toHaveLength(4);
    expect(page.text.match(/<legend/g)).toHaveLength(4);
    const text = textOf(page.text);
    expect(text).toContain('1. Wie zufrieden waren Sie insgesamt? (Pflichtangabe)');
    expect(text).toContain('Von 1 (gar nicht) bis 5 (sehr).');
    expect(text).toContain('1 – gar nicht');
    expect(text).toContain('5 – sehr');
    expect(text).toContain('Rückmeldung zu: Workshop Herbst (Umgang mit extremistischen Gruppierungen)');
    expect(text).toContain('Ihre Meinung hilft uns.');
    const scaleItem = (await ctx.db('questionnaire_items').where({ kind: 'scale' }).first()).id;
    expect(page.text.match(new RegExp(`type="radio" id="[^"]+" name="item_${scaleItem}"`, 'g'))).toHaveLength(5);
    expect(page.text).toMatch(/type="checkbox"/);
    expect(page.text).toMatch(/<textarea[^>]+maxlength="2000"/);
  });

  it('refuses missing required answers with 422, German messages linked to the first field of each item, and keeps the input', async () => {
    const { evaluation, attendee, questionnaire } = await fixture();
    const [scale, single, multiple, text] = questionnaire.itemIds as [number, number, number, number];
    await ctx.db('questionnaire_items').where({ id: multiple }).update({ required: true });
    const agent = await loginAs(ctx.app, attendee);

    const response = await answerAs(agent, evaluation.id, { [single]: '2', [text]: 'Mehr Pausen bitte' });
    expect(response.status).toBe(422);
    const page = textOf(response.text);
    expect(page).toContain('Bitte prüfen Sie Ihre Angaben');
    expect(page).toContain('Bitte wählen Sie einen Wert zwischen 1 und 5.');
    expect(page).toContain('Bitte wählen Sie mindestens eine Antwort.');
    expect(response.text).toContain(`href="#field-item_${scale}"`);
    expect(response.text).toContain(`href="#field-item_${multiple}"`);
    expect(response.text).toContain(`id="field-item_${scale}"`);
    // What was chosen and typed is still there.
    expect(response.text).toMatch(new RegExp(`name="item_${single}" value="2" checked`));
    expect(response.text).toContain('>Mehr Pausen bitte</textarea>');
    expect(await ctx.db('evaluation_responses').count({ n: '*' })).toEqual([{ n: 0 }]);
    expect((await ctx.db('evaluation_participants').first()).has_answered).toBe(false);

    const tampered = await answerAs(agent, evaluation.id, { [scale]: '7', [multiple]: ['0', '9'] });
    expect(tampered.status).toBe(422);
    expect(textOf(tampered.text)).toContain('Bitte wählen Sie eine der angebotenen Antworten.');

    const tooLong = await answerAs(agent, evaluation.id, { [scale]: '4', [multiple]: '1', [text]: 'x'.repeat(2001) });
    expect(tooLong.status).toBe(422);
    expect(textOf(tooLong.text)).toContain('Höchstens 2000 Zeichen.');
  });

  it('stores a valid answer without the person, and then says "Sie haben bereits geantwortet" instead of the form', async () => {
    const { evaluation, attendee, questionnaire } = await fixture();
    const [scale, single, multiple, text] = questionnaire.itemIds as [number, number, number, number];
    const agent = await loginAs(ctx.app, attendee);
    const response = await answerAs(agent, evaluation.id, { [scale]: '4', [single]: '1', [multiple]: ['0', '2'], [text]: '  Gute Fallbeispiele. ' });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe(`/evaluations/${evaluation.id}?saved=1`);

    const rows = await ctx.db('evaluation_responses').select('evaluation_id', 'submitted_on', 'answers');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.answers).toEqual({ [scale]: 4, [single]: 1, [multiple]: [0, 2], [text]: 'Gute Fallbeispiele.' });
    expect(formatDate(rows[0]!.submitted_on)).toBe(formatDate(new Date()));
    expect((await ctx.db('evaluation_participants').first()).has_answered).toBe(true);

    const after = await agent.get(response.headers.location!).expect(200);
    expect(textOf(after.text)).toContain('Vielen Dank für Ihre Rückmeldung.');
    expect(textOf(after.text)).toContain('Sie haben bereits geantwortet');
    expect(after.text).not.toContain('<form method="post" action="/evaluations/');
    const again = await answerAs(agent, evaluation.id, { [scale]: '1' }, (after.text.match(/name="_csrf" value="([^"]+)"/) ?? [])[1]);
    expect(again.status).toBe(409);
    expect(await ctx.db('evaluation_responses').count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  it('five parallel submissions (several tabs) store exactly one answer', async () => {
    const { evaluation, attendee, questionnaire } = await fixture();
    const scale = questionnaire.itemIds[0]!;
    const agent = await loginAs(ctx.app, attendee);
    const token = (await agent.get(`/evaluations/${evaluation.id}`)).text.match(/name="_csrf" value="([^"]+)"/)![1];
    const responses = await Promise.all([1, 2, 3, 4, 5].map((value) => answerAs(agent, evaluation.id, { [scale]: String(value) }, token)));
    expect(responses.map((response) => response.status).sort()).toEqual([303, 409, 409, 409, 409]);
    for (const refused of responses.filter((response) => response.status === 409)) expect(textOf(refused.text)).toContain('Sie haben bereits geantwortet');
    expect(await ctx.db('evaluation_responses').count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  it('gives the claim back when the answer cannot be stored, so the person can answer again', async () => {
    const { evaluation, attendee, questionnaire } = await fixture();
    const scale = questionnaire.itemIds[0]!;
    const agent = await loginAs(ctx.app, attendee);
    // The second transaction fails as a full disk would.
    await ctx.db.raw(`CREATE FUNCTION refuse_answers() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'could not extend file'; END $$`);
    await ctx.db.raw('CREATE TRIGGER refuse_answers BEFORE INSERT ON evaluation_responses FOR EACH ROW EXECUTE FUNCTION refuse_answers()');
    try {
      expect((await answerAs(agent, evaluation.id, { [scale]: '3' })).status).toBe(500);
      expect((await ctx.db('evaluation_participants').first()).has_answered).toBe(false);
    } finally {
      await ctx.db.raw('DROP TRIGGER refuse_answers ON evaluation_responses');
      await ctx.db.raw('DROP FUNCTION refuse_answers()');
    }
    expect((await answerAs(agent, evaluation.id, { [scale]: '3' })).status).toBe(303);
    expect(await ctx.db('evaluation_responses').count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  it('refuses people who did not attend with a German page (403), and sends visitors to the login', async () => {
    const { evaluation, stranger, questionnaire } = await fixture();
    const agent = await loginAs(ctx.app, stranger);
    const page = await agent.get(`/evaluations/${evaluation.id}`).expect(403);
    expect(textOf(page.text)).toContain('Keine Rückmeldung möglich');
    expect(textOf(page.text)).toContain('Diese Rückmeldung können nur Personen geben, die an der Veranstaltung teilgenommen haben');
    expect(page.text).not.toContain('Wie zufrieden waren Sie insgesamt?');
    // With a valid token (from the account page): refused by the service, not by CSRF.
    const token = csrfTokenIn((await agent.get('/account')).text);
    const post = await answerAs(agent, evaluation.id, { [questionnaire.itemIds[0]!]: '5' }, token);
    expect(post.status).toBe(403);
    expect(textOf(post.text)).toContain('Keine Rückmeldung möglich');
    expect(await ctx.db('evaluation_responses').count({ n: '*' })).toEqual([{ n: 0 }]);

    const visitor = await newAgent(ctx.app).get(`/evaluations/${evaluation.id}`).expect(302);
    expect(visitor.headers.location).toBe(`/login?next=${encodeURIComponent(`/evaluations/${evaluation.id}`)}`);
    await (await loginAs(ctx.app, stranger)).get('/evaluations/999999').expect(404);
  });

  it('says closed once the period is over, and takes no answer', async () => {
    const { evaluation, attendee, questionnaire } = await fixture({ closesInDays: -1 });
    const agent = await loginAs(ctx.app, attendee);
    const page = await agent.get(`/evaluations/${evaluation.id}`).expect(200);
    expect(textOf(page.text)).toContain('Die Rückmeldung ist abgeschlossen');
    const post = await answerAs(agent, evaluation.id, { [questionnaire.itemIds[0]!]: '5' }, (page.text.match(/name="_csrf" value="([^"]+)"/) ?? [])[1]);
    expect(post.status).toBe(409);
    expect(await ctx.db('evaluation_responses').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('lists open evaluations on the start page and on /my/evaluations until answered', async () => {
    const { evaluation, attendee, questionnaire } = await fixture();
    const agent = await loginAs(ctx.app, attendee);
    const closes = formatDate((await ctx.db('evaluations').first()).closes_at);
    const start = textOf((await agent.get('/').expect(200)).text);
    expect(start).toContain('Offene Rückmeldungen');
    expect(start).toContain(`Workshop Herbst (Umgang mit extremistischen Gruppierungen) – bis zum ${closes}`);
    // The section shares its statement with the certificate count: the page stays within six.
    expect(await countQueries(ctx.db, () => agent.get('/').expect(200))).toBeLessThanOrEqual(6);
    const mine = await agent.get('/my/evaluations').expect(200);
    expect(mine.text).toContain(`href="/evaluations/${evaluation.id}"`);
    expect(textOf(mine.text)).toContain(closes);

    await answerAs(agent, evaluation.id, { [questionnaire.itemIds[0]!]: '5' });
    expect(textOf((await agent.get('/').expect(200)).text)).not.toContain('Offene Rückmeldungen');
    expect(textOf((await agent.get('/my/evaluations').expect(200)).text)).toContain('Zurzeit wartet keine Rückmeldung auf Ihre Antwort.');
  });
});
