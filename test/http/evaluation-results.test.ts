import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { Database } from '../../src/db/database';
import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { countQueries } from '../support/database';
import { createQuestionnaire, seedResponses, type CreatedQuestionnaire, type SeedAnswers } from '../support/evaluation-factories';
import { createUser, type TestUser } from '../support/factories';
import { binaryParser, loginAs, textOf, type Agent } from '../support/http';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A closed evaluation as the closing run leaves it: counts frozen, no participants. */
async function closedEvaluation(db: Database, options: { versionId: number; offeringId: number; invited: number; answered: number; closedDaysAgo?: number }): Promise<number> {
  const closesAt = new Date(Date.now() - (options.closedDaysAgo ?? 1) * DAY_MS);
  const [row] = await db('evaluations')
    .insert({
      version_id: options.versionId,
      offering_id: options.offeringId,
      scope: 'offering',
      opens_at: new Date(closesAt.getTime() - 14 * DAY_MS),
      closes_at: closesAt,
      closed_at: closesAt,
      invited_count: options.invited,
      answered_count: options.answered,
    })
    .returning('id');
  return (row as { id: number }).id;
}

/** An open evaluation: participants invited, some have answered (yes/no only). */
async function openEvaluation(db: Database, options: { versionId: number; offeringId: number; participants: number[]; answered: number[] }): Promise<number> {
  const [row] = await db('evaluations')
    .insert({ version_id: options.versionId, offering_id: options.offeringId, scope: 'offering', opens_at: new Date(Date.now() - DAY_MS), closes_at: new Date(Date.now() + 13 * DAY_MS) })
    .returning('id');
  const id = (row as { id: number }).id;
  await db('evaluation_participants').insert(options.participants.map((userId) => ({ evaluation_id: id, user_id: userId, has_answered: options.answered.includes(userId) })));
  return id;
}

type Fixture = {
  coordinator: TestUser;
  trainer: TestUser;
  otherTrainer: TestUser;
  participant: TestUser;
  questionnaire: CreatedQuestionnaire;
  /** Workshop A (taught by `trainer`): 5 responses, at the threshold. */
  shown: number;
  /** Workshop B (taught by `otherTrainer`): 4 responses, below it. */
  withheld: number;
};

/** Scale, single choice (3 options), multiple choice (3 options), free text: the factory's default items. */
function answersOf(q: CreatedQuestionnaire, scale: number | null, single: number | null, multiple: number[] | null, text: string | null): SeedAnswers {
  const [scaleId, singleId, multipleId, textId] = q.itemIds as [number, number, number, number];
  const answers: SeedAnswers = {};
  if (scale !== null) answers[scaleId] = scale;
  if (single !== null) answers[singleId] = single;
  if (multiple !== null) answers[multipleId] = multiple;
  if (text !== null) answers[textId] = text;
  return answers;
}

const FIVE_ANSWERS = (q: CreatedQuestionnaire): SeedAnswers[] => [
  answersOf(q, 5, 1, [0, 1], 'Sehr praxisnah, danke.'),
  answersOf(q, 4, 1, [1], 'Mehr Pausen bitte.'),
  answersOf(q, 3, 0, [2], '=HYPERLINK("http://evil.example","klick")'),
  answersOf(q, 2, 2, [0, 2], null),
  answersOf(q, 5, 1, null, null),
];

async function createFixture(db: Database): Promise<Fixture> {
  const coordinator = await createUser(db, { role: 'coordinator' });
  const trainer = await createUser(db, { role: 'trainer' });
  const otherTrainer = await createUser(db, { role: 'trainer' });
  const participant = await createUser(db);
  const programme = await createProgramme(db, { title: 'Workshop Extremismus' });
  const offeringA = await createOffering(db, { programmeId: programme.id, title: 'Workshop März', startsInDays: -20, registrationOpensInDays: -40, trainerIds: [trainer.id] });
  const offeringB = await createOffering(db, { programmeId: programme.id, title: 'Workshop April', startsInDays: -18, registrationOpensInDays: -40, trainerIds: [otherTrainer.id] });
  const questionnaire = await createQuestionnaire(db, { title: 'Feedback Workshop', inUse: true });
  const shown = await closedEvaluation(db, { versionId: questionnaire.versionId, offeringId: offeringA.id, invited: 8, answered: 5 });
  await seedResponses(db, shown, FIVE_ANSWERS(questionnaire));
  const withheld = await closedEvaluation(db, { versionId: questionnaire.versionId, offeringId: offeringB.id, invited: 9, answered: 4 });
  await seedResponses(db, withheld, FIVE_ANSWERS(questionnaire).slice(0, 4));
  return { coordinator, trainer, otherTrainer, participant, questionnaire, shown, withheld };
}

const sheetRows = (sheet: ExcelJS.Worksheet) => {
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
};

describe('evaluation results', () => {
  const ctx = useTestApp();
  let fixture: Fixture;
  let coordinator: Agent;

  beforeEach(async () => {
    fixture = await createFixture(ctx.db);
    coordinator = await loginAs(ctx.app, fixture.coordinator);
  });

  async function download(agent: Agent, path: string) {
    const response = await agent.get(path).buffer(true).parse(binaryParser);
    expect(response.status).toBe(200);
    return { body: response.body as Buffer, headers: response.headers };
  }

  it('shows a closed evaluation at the threshold: response rate, distributions with tables, mean and median in German, free texts', async () => {
    const response = await coordinator.get(`/evaluation/results/${fixture.shown}`).expect(200);
    const text = textOf(response.text);
    expect(text).toContain('Ergebnisse: Feedback Workshop');
    expect(text).toContain('Workshop März');
    expect(text).toContain('Gesamter Durchgang');
    expect(text).toContain('Feedback Workshop (Fassung 1)');
    expect(text).toContain('Eingeladen 8');
    expect(text).toContain('Geantwortet 5');
    expect(text).toContain('Rücklaufquote 62,5 %');
    // Scale 5, 4, 3, 2, 5: mean 3.8, median 4.
    expect(text).toContain('Mittelwert 3,8, Median 4 (5 Antworten; Skala 1 bis 5).');
    // The scale's distribution as a chart and as a table of counts.
    expect(response.text).toMatch(/<svg role="img" aria-labelledby="chart-item-1-title chart-item-1-desc"/);
    expect(text).toContain('1 – gar nicht 0 0 % 2 1 20 % 3 1 20 % 4 1 20 % 5 – sehr 2 40 %');
    // Single choice: "passend" three times of five.
    expect(text).toContain('zu langsam 1 20 % passend 3 60 % zu schnell 1 20 %');
    // Multiple choice: four people answered; shares of those four.
    expect(text).toContain('4 Personen haben diese Frage beantwortet.');
    expect(text).toContain('Übungen 2 50 % Fallbeispiele 2 50 % Austausch 2 50 %');
    expect(text).toContain('3 Antworten als Freitext.');
    expect(text).toContain('Sehr praxisnah, danke.');
    expect(text).toContain('Mehr Pausen bitte.');
    expect(text).not.toContain('Weniger als 5 Antworten');
  });

  it('hides everything but the counts below the threshold, also in the files', async () => {
    const response = await coordinator.get(`/evaluation/results/${fixture.withheld}`).expect(200);
    const text = textOf(response.text);
    expect(text).toContain('Weniger als 5 Antworten: Ergebnisse werden zum Schutz der Anonymität nicht angezeigt.');
    expect(text).toContain('Geantwortet 4');
    expect(text).not.toContain('Mittelwert');
    expect(text).not.toContain('Sehr praxisnah');
    expect(text).not.toContain('passend');
    expect(response.text).not.toContain('<svg');

    const csv = (await download(coordinator, `/evaluation/results/${fixture.withheld}.csv`)).body.toString('utf8');
    expect(csv).toContain('Weniger als 5 Antworten');
    expect(csv).not.toContain('Sehr praxisnah');
    expect(csv).not.toContain('passend');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await download(coordinator, `/evaluation/results/${fixture.withheld}.xlsx`)).body as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['Überblick']);
    expect(JSON.stringify(sheetRows(workbook.worksheets[0]!))).not.toContain('passend');
  });

  it('shows free texts only from the threshold on: with one more response the withheld evaluation shows them', async () => {
    expect(textOf((await coordinator.get(`/evaluation/results/${fixture.withheld}`)).text)).not.toContain('Mehr Pausen bitte.');
    await seedResponses(ctx.db, fixture.withheld, [answersOf(fixture.questionnaire, 1, null, null, null)]);
    const text = textOf((await coordinator.get(`/evaluation/results/${fixture.withheld}`)).text);
    expect(text).toContain('Mehr Pausen bitte.');
    expect(text).toContain('Mittelwert 3, Median 3 (5 Antworten; Skala 1 bis 5).');
  });

  it('shows an open evaluation to coordination only as "läuft bis" and the count, never answers; no files', async () => {
    const people = await Promise.all([1, 2, 3].map(() => createUser(ctx.db)));
    const offering = await createOffering(ctx.db, { title: 'Workshop Mai', startsInDays: -2, registrationOpensInDays: -40, trainerIds: [fixture.trainer.id] });
    const open = await openEvaluation(ctx.db, { versionId: fixture.questionnaire.versionId, offeringId: offering.id, participants: people.map((p) => p.id), answered: [people[0]!.id] });
    await seedResponses(ctx.db, open, FIVE_ANSWERS(fixture.questionnaire).slice(0, 1));
    const text = textOf((await coordinator.get(`/evaluation/results/${open}`).expect(200)).text);
    expect(text).toContain('Die Befragung läuft bis');
    expect(text).toContain('Eingeladen 3');
    expect(text).toContain('Geantwortet 1');
    expect(text).not.toContain('Sehr praxisnah');
    expect(text).not.toContain('Mittelwert');
    await coordinator.get(`/evaluation/results/${open}.csv`).expect(404);
    await coordinator.get(`/evaluation/results/${open}.xlsx`).expect(404);
    const trainer = await loginAs(ctx.app, fixture.trainer);
    await trainer.get(`/evaluation/results/${open}`).expect(404);
  });

  it("lets a trainer see the evaluations of what they taught and nobody else's (404); participants see none (403)", async () => {
    const trainer = await loginAs(ctx.app, fixture.trainer);
    const list = await trainer.get('/evaluation/results').expect(200);
    expect(list.text).toContain(`data-evaluation="${fixture.shown}"`);
    expect(list.text).not.toContain(`data-evaluation="${fixture.withheld}"`);
    expect(textOf((await trainer.get(`/evaluation/results/${fixture.shown}`).expect(200)).text)).toContain('Mittelwert 3,8');
    await trainer.get(`/evaluation/results/${fixture.withheld}`).expect(404);
    await trainer.get(`/evaluation/results/${fixture.withheld}.csv`).expect(404);
    await trainer.get(`/evaluation/results/${fixture.withheld}.xlsx`).expect(404);
    await trainer.get('/evaluation/results/999999').expect(404);

    const other = await loginAs(ctx.app, fixture.otherTrainer);
    await other.get(`/evaluation/results/${fixture.shown}`).expect(404);
    expect((await other.get(`/evaluation/results/${fixture.withheld}`).expect(200)).text).toContain('Weniger als 5 Antworten');

    const participant = await loginAs(ctx.app, fixture.participant);
    await participant.get('/evaluation/results').expect(403);
    await participant.get(`/evaluation/results/${fixture.shown}`).expect(403);
    await participant.get(`/evaluation/results/${fixture.shown}.csv`).expect(403);
    await participant.get('/evaluation/results/compare').expect(403);
  });

  it('lists evaluations by period and programme for coordination, within the statement budget', async () => {
    const list = await coordinator.get('/evaluation/results').expect(200);
    expect(list.text).toContain(`data-evaluation="${fixture.shown}"`);
    expect(list.text).toContain(`data-evaluation="${fixture.withheld}"`);
    expect(textOf(list.text)).toContain('2 Befragungen gefunden.');
    const empty = await coordinator.get('/evaluation/results?from=2020-01-01&to=2020-12-31').expect(200);
    expect(textOf(empty.text)).toContain('0 Befragungen gefunden.');
    const bad = await coordinator.get('/evaluation/results?from=2026-02-31&to=x').expect(422);
    expect(textOf(bad.text)).toContain('Bitte geben Sie ein gültiges Datum ein');
    expect(bad.text).toContain('value="2026-02-31"');
    for (const path of ['/evaluation/results', `/evaluation/results/${fixture.shown}`, `/evaluation/results/compare?questionnaire=${fixture.questionnaire.questionnaireId}`]) {
      await coordinator.get(path).expect(200);
      const statements = await countQueries(ctx.db, () => coordinator.get(path).expect(200));
      expect({ path, withinBudget: statements <= 6 }).toEqual({ path, withinBudget: true });
    }
  });

  it('writes the results as a German-Excel CSV and an XLSX with the page’s figures and no formula', async () => {
    const { body, headers } = await download(coordinator, `/evaluation/results/${fixture.shown}.csv`);
    expect(headers['content-type']).toContain('text/csv');
    expect(headers['content-disposition']).toContain(`Evaluation-${fixture.shown}.csv`);
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(body.toString('utf8'), { delimiter: ';', bom: true, relax_column_count: true }) as string[][];
    expect(rows).toContainEqual(['Rücklaufquote', '62,5 %']);
    expect(rows).toContainEqual(['1', 'Wie zufrieden waren Sie insgesamt?', '5', '3,8', '4']);
    expect(rows).toContainEqual(['2', 'War das Tempo passend?', 'passend', '3', '60']);
    expect(rows).toContainEqual(['4', 'Was möchten Sie uns noch sagen?', 'Sehr praxisnah, danke.']);
    // A free text that reads like a formula stays text.
    expect(rows).toContainEqual(['4', 'Was möchten Sie uns noch sagen?', `'=HYPERLINK("http://evil.example","klick")`]);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await download(coordinator, `/evaluation/results/${fixture.shown}.xlsx`)).body as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['Überblick', 'Antworten', 'Skalen', 'Freitexte']);
    expect(sheetRows(workbook.getWorksheet('Skalen')!)).toEqual([
      ['Nr.', 'Frage', 'Antworten (n)', 'Mittelwert', 'Median'],
      [1, 'Wie zufrieden waren Sie insgesamt?', 5, 3.8, 4],
    ]);
    expect(sheetRows(workbook.getWorksheet('Antworten')!)).toContainEqual([3, 'Was hat Ihnen geholfen?', 'Übungen', 2, 50]);
    const texts = sheetRows(workbook.getWorksheet('Freitexte')!).slice(1).map((row) => row[2]);
    expect(texts.sort()).toEqual(['=HYPERLINK("http://evil.example","klick")', 'Mehr Pausen bitte.', 'Sehr praxisnah, danke.'].sort());
    const formulaCell = workbook.getWorksheet('Freitexte')!.getColumn(3).values.find((value) => typeof value === 'string' && value.startsWith('='));
    expect(formulaCell).toBeDefined();
    workbook.getWorksheet('Freitexte')!.eachRow((row) => row.eachCell((cell) => expect(cell.formula).toBeUndefined()));
  });

  it('compares the same questionnaire across offerings (and versions): n, mean, median; too few answers shown as such', async () => {
    // A second version of the questionnaire keeps the scale question's item_key.
    const [version2] = await ctx.db('questionnaire_versions')
      .insert({ questionnaire_id: fixture.questionnaire.questionnaireId, version: 2, title: 'Feedback Workshop', in_use_since: new Date() })
      .returning('id');
    const [scaleItem] = await ctx.db('questionnaire_items')
      .insert({ version_id: (version2 as { id: number }).id, position: 1, kind: 'scale', prompt: 'Wie zufrieden waren Sie insgesamt?', scale_low_label: 'gar nicht', scale_high_label: 'sehr', item_key: fixture.questionnaire.itemKeys[0] })
      .returning('id');
    const programme = await createProgramme(ctx.db, { title: 'Fachtag Neutralität' });
    const offeringC = await createOffering(ctx.db, { programmeId: programme.id, title: 'Fachtag Eisenach', startsInDays: -10, registrationOpensInDays: -40 });
    const third = await closedEvaluation(ctx.db, { versionId: (version2 as { id: number }).id, offeringId: offeringC.id, invited: 6, answered: 6 });
    await seedResponses(ctx.db, third, [1, 2, 2, 4, 5, 5].map((value) => ({ [(scaleItem as { id: number }).id]: value })));

    const period = `questionnaire=${fixture.questionnaire.questionnaireId}&from=2000-01-01&to=2100-12-31`;
    const page = await coordinator.get(`/evaluation/results/compare?${period}`).expect(200);
    const text = textOf(page.text);
    expect(page.text).toMatch(/<svg role="img" aria-labelledby="chart-compare-1-title chart-compare-1-desc"/);
    // Workshop März: 5 responses, mean 3.8, median 4; Fachtag Eisenach (version 2): 6, mean 19/6, median 3; Workshop April below the threshold.
    expect(text).toContain('Workshop März Workshop Extremismus');
    expect(text).toMatch(/Workshop März Workshop Extremismus \S+ 5 3,8 4/);
    expect(text).toMatch(/Fachtag Eisenach Fachtag Neutralität \S+ 6 3,17 3/);
    expect(text).toMatch(/Workshop April Workshop Extremismus \S+ 0 zu wenige Antworten zu wenige Antworten/);
    expect(text).toContain('1 Befragung mit weniger als 5 Antworten ist nicht mitgezählt.');

    const csv = (await download(coordinator, `/evaluation/results/compare.csv?${period}`)).body.toString('utf8');
    const rows = parse(csv, { delimiter: ';', bom: true, relax_column_count: true }) as string[][];
    const figures = rows.filter((row) => row[0] === '1');
    expect(figures.map((row) => [row[2], row[5], row[6], row[7], row[8]])).toEqual(
      expect.arrayContaining([
        ['Workshop März', '5', '5', '3,8', '4'],
        ['Fachtag Eisenach', '6', '6', '3,17', '3'],
        ['Workshop April', '0', '', 'zu wenige Antworten', 'zu wenige Antworten'],
      ]),
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await download(coordinator, `/evaluation/results/compare.xlsx?${period}`)).body as unknown as ArrayBuffer);
    const sheet = sheetRows(workbook.getWorksheet('Vergleich')!);
    expect(sheet).toContainEqual([1, 'Wie zufrieden waren Sie insgesamt?', 'Workshop März', 'Workshop Extremismus', expect.any(String), 5, 5, 3.8, 4]);
    expect(sheet.find((row) => row[2] === 'Fachtag Eisenach')?.[7]).toBeCloseTo(19 / 6, 5);

    // A trainer compares only what they taught.
    const trainer = await loginAs(ctx.app, fixture.trainer);
    const own = textOf((await trainer.get(`/evaluation/results/compare?${period}`).expect(200)).text);
    expect(own).toContain('Workshop März');
    expect(own).not.toContain('Fachtag Eisenach');
    expect(own).not.toContain('Workshop April');
    await coordinator.get('/evaluation/results/compare?questionnaire=abc').expect(422);
    await coordinator.get('/evaluation/results/compare?questionnaire=999999').expect(404);
  });
});
