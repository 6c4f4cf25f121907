import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { createEvaluationLifecycle } from '../../src/evaluation/evaluations.service';
import { createLogger } from '../../src/http/logger';
import { createOutbox } from '../../src/mail/outbox.service';
import { useBrowserApp } from '../support/browser';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createQuestionnaire, seedResponses } from '../support/evaluation-factories';
import { createUser, type TestUser } from '../support/factories';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Issue 15, "Done when", in Chromium with axe on every page: a coordinator builds a
 * questionnaire and chooses it for an offering, attendees answer by keyboard only (a missing
 * required answer shows the error summary), a non-attendee is refused, the reminder goes only
 * to those who have not answered, results and their files appear after closing and stay
 * hidden below the threshold.
 */
describe('evaluation in the browser', () => {
  const b = useBrowserApp();

  /** Presses Tab until the focused element matches `selector` (at most 80 times): how a keyboard user gets there. */
  async function tabTo(page: Page, selector: string): Promise<void> {
    for (let step = 0; step < 80; step += 1) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) return;
    }
    throw new Error(`Tab never reached ${selector} on ${page.url()}`);
  }

  /** Chooses the `index`-th (0-based) radio of a group by keyboard: Tab into the group, arrows to move, Space to tick the first. */
  async function chooseRadio(page: Page, name: string, index: number): Promise<void> {
    await tabTo(page, `input[type="radio"][name="${name}"]`);
    if (index === 0) await page.keyboard.press('Space');
    for (let step = 0; step < index; step += 1) await page.keyboard.press('ArrowRight');
  }

  async function submitByKeyboard(page: Page): Promise<void> {
    await tabTo(page, 'button[type="submit"]');
    await b.follow(() => page.keyboard.press('Enter'), page);
  }

  type Answer = { scale: number; pace: number; text?: string };

  async function answerByKeyboard(page: Page, evaluationId: number, fields: { scale: string; pace: string; text: string }, answer: Answer): Promise<void> {
    await b.visit(`/evaluations/${evaluationId}`, page);
    await chooseRadio(page, fields.scale, answer.scale - 1);
    await chooseRadio(page, fields.pace, answer.pace);
    if (answer.text) {
      await tabTo(page, `textarea[name="${fields.text}"]`);
      await page.keyboard.type(answer.text);
    }
    await submitByKeyboard(page);
  }

  it('a coordinator builds a questionnaire, attendees answer once by keyboard, results appear after closing', async () => {
    const coordinator = await createUser(b.db, { role: 'coordinator', firstName: 'Clara', lastName: 'Koordina' });
    const trainer = await createUser(b.db, { role: 'trainer', firstName: 'Theo', lastName: 'Referent' });
    const programme = await createProgramme(b.db, { title: 'Workshop Extremismus' });
    // Yesterday's workshop, ended 17 hours ago.
    const offering = await createOffering(b.db, { programmeId: programme.id, title: 'Workshop Dezember', startsInDays: -1, registrationOpensInDays: -30, trainerIds: [trainer.id] });
    const attendees: TestUser[] = [];
    for (let index = 0; index < 6; index += 1) attendees.push(await createUser(b.db, { firstName: 'Anna', lastName: `Anwesend${index}` }));
    const absent = await createUser(b.db, { firstName: 'Otto', lastName: 'Abwesend' });
    for (const person of [...attendees, absent]) await b.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
    await b.db('attendance_records').insert([
      ...attendees.map((person, index) => ({ session_id: offering.sessionIds[0]!, user_id: person.id, status: index === 5 ? 'late' : 'present', source: 'roll_call' })),
      { session_id: offering.sessionIds[0]!, user_id: absent.id, status: 'absent', source: 'roll_call' },
    ]);

    // The coordinator builds the questionnaire through the builder's pages.
    await b.logIn(b.page, coordinator);
    await b.visit('/evaluation/questionnaires/new');
    await b.page.getByLabel('Titel', { exact: true }).fill('Rückmeldung Workshop');
    await b.page.getByLabel('Einleitung').fill('Ihre Rückmeldung hilft uns, den Workshop zu verbessern.');
    await b.page.getByRole('radio', { name: 'Skala (1 bis 5)' }).check();
    await b.page.getByLabel('Frage', { exact: true }).fill('Wie zufrieden waren Sie insgesamt?');
    await b.page.getByLabel(/Pflichtfrage/).check();
    await b.page.getByLabel('Beschriftung für 1').fill('gar nicht');
    await b.page.getByLabel('Beschriftung für 5').fill('sehr');
    await b.follow(() => b.page.getByRole('button', { name: 'Fragebogen anlegen' }).click());
    const questionnairePath = new URL(b.page.url()).pathname;
    expect(questionnairePath).toMatch(/^\/evaluation\/questionnaires\/\d+$/);

    await b.page.getByRole('radio', { name: 'Einfachauswahl' }).check();
    await b.page.getByLabel('Frage', { exact: true }).fill('War das Tempo passend?');
    await b.page.getByLabel(/Pflichtfrage/).check();
    await b.page.getByLabel('Antwortmöglichkeiten').fill('zu langsam\npassend\nzu schnell');
    await b.follow(() => b.page.getByRole('button', { name: /^Frage hinzufügen/ }).click());
    await b.page.getByRole('radio', { name: 'Freitext' }).check();
    await b.page.getByLabel('Frage', { exact: true }).fill('Was möchten Sie uns noch sagen?');
    await b.follow(() => b.page.getByRole('button', { name: /^Frage hinzufügen/ }).click());

    const questionnaireId = Number(questionnairePath.split('/').pop());
    const items = (await b.db('questionnaire_items as i')
      .join('questionnaire_versions as v', 'v.id', 'i.version_id')
      .where('v.questionnaire_id', questionnaireId)
      .orderBy('i.position')
      .select('i.id', 'i.kind')) as { id: number; kind: string }[];
    expect(items.map((item) => item.kind)).toEqual(['scale', 'single', 'text']);
    const fields = { scale: `item_${items[0]!.id}`, pace: `item_${items[1]!.id}`, text: `item_${items[2]!.id}` };
    // The offering uses it once for the whole workshop, 14 days to answer.
    await b.visit(`/manage/offerings/${offering.id}/evaluation`);
    await b.page.getByRole('radio', { name: 'anderer Fragebogen' }).check();
    await b.page.getByRole('combobox', { name: /^Fragebogen/ }).selectOption({ label: 'Rückmeldung Workshop' });
    await b.page.getByRole('radio', { name: /einmal am Ende des Angebots/ }).check();
    await b.page.getByLabel('Antwortzeitraum in Tagen').fill('14');
    await b.follow(() => b.page.getByRole('button', { name: 'Speichern' }).click());
    await expect(b.page.getByText(/„Rückmeldung Workshop“, einmal am Ende des Angebots/).first().isVisible()).resolves.toBe(true);

    // The lifecycle job opens the evaluation and invites the six people marked present or late.
    const outbox = createOutbox({ db: b.db, mailer: { send: async (mail) => void b.mailbox.push(mail), close: () => undefined }, logger: createLogger(b.config) });
    const lifecycle = createEvaluationLifecycle({ db: b.db, outbox, config: b.config });
    const deliver = async () => {
      await outbox.idle();
      await outbox.deliverDue();
    };
    expect(await lifecycle.run(new Date())).toMatchObject({ opened: 1, invited: 6 });
    await deliver();
    expect(b.mailbox.map((mail) => mail.to).sort()).toEqual(attendees.map((person) => person.email).sort());
    const evaluation = (await b.db('evaluations').where({ offering_id: offering.id }).first('id', 'closes_at')) as { id: number; closes_at: Date };

    // While it runs, coordination sees when it ends and how many answered, no answers.
    await b.visit(`/evaluation/results/${evaluation.id}`);
    await expect(b.page.getByText(/Die Befragung läuft bis/).isVisible()).resolves.toBe(true);

    // The first attendee forgets the required scale: the error summary says so, then answers by keyboard.
    const first = await b.newPage();
    await b.logIn(first, attendees[0]!);
    await b.visit(`/evaluations/${evaluation.id}`, first);
    await chooseRadio(first, fields.pace, 1);
    await submitByKeyboard(first);
    await expect(first.getByRole('alert').textContent()).resolves.toContain('Bitte wählen Sie einen Wert zwischen 1 und 5.');
    await chooseRadio(first, fields.scale, 4);
    await submitByKeyboard(first);
    await expect(first.getByText('Vielen Dank').first().isVisible()).resolves.toBe(true);
    // Once only: the form is gone.
    await b.visit(`/evaluations/${evaluation.id}`, first);
    await expect(first.getByRole('heading', { name: 'Sie haben bereits geantwortet' }).first().isVisible()).resolves.toBe(true);

    const answers: Answer[] = [
      { scale: 4, pace: 1, text: 'Sehr praxisnah.' },
      { scale: 3, pace: 2, text: 'Mehr Pausen bitte.' },
      { scale: 5, pace: 1 },
      { scale: 2, pace: 0 },
    ];
    for (const [index, answer] of answers.entries()) {
      const page = await b.newPage();
      await b.logIn(page, attendees[index + 1]!);
      await answerByKeyboard(page, evaluation.id, fields, answer);
      await expect(page.getByText('Vielen Dank').first().isVisible()).resolves.toBe(true);
    }

    // Somebody who was absent is refused.
    const outsider = await b.newPage();
    await b.logIn(outsider, absent);
    const refused = await b.visit(`/evaluations/${evaluation.id}`, outsider);
    expect(refused?.status()).toBe(403);
    await expect(outsider.getByRole('heading', { name: 'Keine Rückmeldung möglich' }).first().isVisible()).resolves.toBe(true);

    // Three days before closing: one reminder, only to the one who has not answered.
    b.mailbox.length = 0;
    expect(await lifecycle.run(new Date(evaluation.closes_at.getTime() - 2 * DAY_MS))).toMatchObject({ reminded: 1 });
    await deliver();
    expect(b.mailbox.map((mail) => mail.to)).toEqual([attendees[5]!.email]);
    expect(b.mailbox[0]!.kind).toBe('evaluation.reminder');

    // After closing: the results, with a chart and its table, and the files.
    expect(await lifecycle.run(new Date(evaluation.closes_at.getTime() + 60_000))).toMatchObject({ closed: 1 });
    await b.visit('/evaluation/results');
    await b.follow(() => b.page.getByRole('link', { name: 'Workshop Dezember' }).click());
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Ergebnisse: Rückmeldung Workshop');
    // 5, 4, 3, 5, 2: mean 3.8, median 4.
    await expect(b.page.getByText('Mittelwert 3,8, Median 4 (5 Antworten; Skala 1 bis 5).').isVisible()).resolves.toBe(true);
    await expect(b.page.getByRole('img', { name: /Verteilung der Antworten auf Frage 1/ }).isVisible()).resolves.toBe(true);
    await expect(b.page.getByText('Mehr Pausen bitte.').isVisible()).resolves.toBe(true);
    await expect(b.page.locator('[data-fact="rate"]').textContent()).resolves.toBe('83,3 %');
    await b.screenshot('evaluation-result');

    const xlsx = await b.page.request.get(`/evaluation/results/${evaluation.id}.xlsx`);
    expect(xlsx.status()).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await xlsx.body()) as unknown as ArrayBuffer);
    const scales: unknown[][] = [];
    workbook.getWorksheet('Skalen')!.eachRow((row) => scales.push((row.values as unknown[]).slice(1)));
    expect(scales[1]).toEqual([1, 'Wie zufrieden waren Sie insgesamt?', 5, 3.8, 4]);
    const csv = await b.page.request.get(`/evaluation/results/${evaluation.id}.csv`);
    const rows = parse(await csv.text(), { delimiter: ';', bom: true, relax_column_count: true }) as string[][];
    expect(rows).toContainEqual(['2', 'War das Tempo passend?', 'passend', '3', '60']);

    // The trainer of the workshop sees the same results.
    const trainerPage = await b.newPage();
    await b.logIn(trainerPage, trainer);
    await b.visit(`/evaluation/results/${evaluation.id}`, trainerPage);
    await expect(trainerPage.getByText('Mittelwert 3,8').isVisible()).resolves.toBe(true);
    // Seven people log in and twelve pages are checked with axe: longer than the suite's default minute.
  }, 300_000);

  it('keeps the results of a small group hidden, on the page and in the files', async () => {
    const coordinator = await createUser(b.db, { role: 'coordinator' });
    const offering = await createOffering(b.db, { title: 'Fachtag Eisenach', startsInDays: -20, registrationOpensInDays: -40 });
    const questionnaire = await createQuestionnaire(b.db, { title: 'Rückmeldung Fachtag', inUse: true });
    const closesAt = new Date(Date.now() - DAY_MS);
    const [row] = await b.db('evaluations')
      .insert({ version_id: questionnaire.versionId, offering_id: offering.id, scope: 'offering', opens_at: new Date(closesAt.getTime() - 14 * DAY_MS), closes_at: closesAt, closed_at: closesAt, invited_count: 7, answered_count: 4 })
      .returning('id');
    const evaluationId = (row as { id: number }).id;
    await seedResponses(b.db, evaluationId, [5, 4, 4, 1].map((point) => ({ [questionnaire.itemIds[0]!]: point, [questionnaire.itemIds[3]!]: `Anmerkung ${point}` })));

    await b.logIn(b.page, coordinator);
    await b.visit(`/evaluation/results/${evaluationId}`);
    await expect(b.page.locator('#result-state').textContent()).resolves.toContain('Weniger als 5 Antworten: Ergebnisse werden zum Schutz der Anonymität nicht angezeigt.');
    await expect(b.page.getByText(/Anmerkung/).count()).resolves.toBe(0);
    await expect(b.page.locator('svg').count()).resolves.toBe(0);
    const csv = await (await b.page.request.get(`/evaluation/results/${evaluationId}.csv`)).text();
    expect(csv).toContain('Weniger als 5 Antworten');
    expect(csv).not.toContain('Anmerkung');

    // The comparison: choose the questionnaire and the period in the form.
    await b.visit('/evaluation/results/compare');
    await b.page.getByLabel('Fragebogen').selectOption({ label: 'Rückmeldung Fachtag' });
    await b.page.getByLabel('Von').fill('2000-01-01');
    await b.page.getByLabel('Bis').fill('2100-12-31');
    await b.follow(() => b.page.getByRole('button', { name: 'Vergleichen' }).click());
    await expect(b.page.getByRole('cell', { name: 'zu wenige Antworten' }).first().isVisible()).resolves.toBe(true);
    await expect(b.page.getByRole('img', { name: /Mittelwerte je Durchgang/ }).isVisible()).resolves.toBe(true);
    await b.screenshot('evaluation-comparison');

    // A period that ends before it starts: the error summary, the input kept.
    await b.visit('/evaluation/results?from=2026-12-31&to=2026-01-01');
    await expect(b.page.getByRole('alert').textContent()).resolves.toContain('Das Ende des Zeitraums liegt vor seinem Anfang.');
    await expect(b.page.getByLabel('Von').inputValue()).resolves.toBe('2026-12-31');
  }, 180_000);
});
