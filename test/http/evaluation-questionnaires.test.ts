import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createQuestionnaire } from '../support/evaluation-factories';
import { createUser } from '../support/factories';
import { csrfTokenIn, loginAs, submitForm, textOf, type Agent } from '../support/http';

/** Coordinators keep evaluation questionnaires: create, edit, versions once in use, order, archive, preview. */
describe('evaluation questionnaires', () => {
  const ctx = useTestApp();

  const coordinator = async () => loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
  const versionsOf = async (questionnaireId: number) =>
    (await ctx.db('questionnaire_versions').where('questionnaire_id', questionnaireId).orderBy('version')) as { id: number; version: number; title: string; in_use_since: Date | null }[];
  const itemsOf = async (versionId: number) =>
    (await ctx.db('questionnaire_items').where('version_id', versionId).orderBy('position')) as { id: number; position: number; kind: string; prompt: string; required: boolean; options: string[]; item_key: string }[];

  const validNew = {
    title: 'Feedback zum Fachtag',
    introduction: 'Ihre Antworten sind anonym.',
    kind: 'scale',
    prompt: 'Wie zufrieden waren Sie?',
    required: 'yes',
    scaleLowLabel: 'gar nicht',
    scaleHighLabel: 'sehr',
    options: '',
  };

  const post = (agent: Agent, page: string, action: string, fields: Record<string, string>) => submitForm(agent, page, action, fields);

  it('creates a questionnaire with its first question, as version 1, with an audit entry', async () => {
    const agent = await coordinator();
    const response = await post(agent, '/evaluation/questionnaires/new', '/evaluation/questionnaires', validNew);
    expect(response.status).toBe(303);
    const [questionnaire] = await ctx.db('questionnaires').select('id', 'title');
    expect(response.headers.location).toBe(`/evaluation/questionnaires/${questionnaire.id}`);
    const versions = await versionsOf(questionnaire.id);
    expect(versions.map((version) => version.version)).toEqual([1]);
    const items = await itemsOf(versions[0]!.id);
    expect(items).toMatchObject([{ position: 1, kind: 'scale', prompt: 'Wie zufrieden waren Sie?', required: true, options: [] }]);
    expect(await ctx.db('audit_events').where({ action: 'questionnaire.created', subject_id: String(questionnaire.id) })).toHaveLength(1);

    const editor = await agent.get(response.headers.location ?? '');
    expect(editor.status).toBe(200);
    expect(textOf(editor.text)).toContain('Der Fragebogen wurde angelegt.');
    expect(textOf(editor.text)).toContain('Version 1 · noch nicht in Gebrauch');
  });

  it('refuses a questionnaire without title or question with German messages, keeps the input, saves nothing', async () => {
    const agent = await coordinator();
    const response = await post(agent, '/evaluation/questionnaires/new', '/evaluation/questionnaires', { ...validNew, title: ' ', prompt: '', introduction: 'Bitte ehrlich antworten.' });
    expect(response.status).toBe(422);
    const text = textOf(response.text);
    expect(text).toContain('Bitte geben Sie einen Titel ein.');
    expect(text).toContain('Bitte geben Sie die Frage ein.');
    expect(response.text).toContain('href="#field-title"');
    expect(response.text).toContain('Bitte ehrlich antworten.</textarea>');
    expect(await ctx.db('questionnaires')).toHaveLength(0);
  });

  it('requires both scale labels, at least two distinct options for choices, and short enough labels', async () => {
    const agent = await coordinator();
    const noLabels = await post(agent, '/evaluation/questionnaires/new', '/evaluation/questionnaires', { ...validNew, scaleLowLabel: '', scaleHighLabel: '' });
    expect(noLabels.status).toBe(422);
    expect(textOf(noLabels.text)).toContain('Bitte beschriften Sie beide Enden der Skala.');

    const longLabel = await post(agent, '/evaluation/questionnaires/new', '/evaluation/questionnaires', { ...validNew, scaleHighLabel: 'x'.repeat(61) });
    expect(longLabel.status).toBe(422);
    expect(textOf(longLabel.text)).toContain('Höchstens 60 Zeichen.');

    const oneOption = await post(agent, '/evaluation/questionnaires/new', '/evaluation/questionnaires', { ...validNew, kind: 'single', options: 'ja\n\n  \n' });
    expect(oneOption.status).toBe(422);
    expect(textOf(oneOption.text)).toContain('Bitte geben Sie mindestens zwei verschiedene Antwortmöglichkeiten ein, eine pro Zeile.');
    expect(oneOption.text).toMatch(/id="field-kind-single"[^>]*checked/);

    const duplicates = await post(agent, '/evaluation/questionnaires/new', '/evaluation/questionnaires', { ...validNew, kind: 'multiple', options: 'Übungen\nübungen ' });
    expect(duplicates.status).toBe(422);
    expect(textOf(duplicates.text)).toContain('Jede Antwortmöglichkeit darf nur einmal vorkommen.');
    expect(await ctx.db('questionnaires')).toHaveLength(0);

    // Fields of another kind are not stored: a choice item keeps its options, no scale labels.
    const choice = await post(agent, '/evaluation/questionnaires/new', '/evaluation/questionnaires', { ...validNew, kind: 'multiple', options: ' Übungen \nFallbeispiele\n\nAustausch' });
    expect(choice.status).toBe(303);
    const [item] = await ctx.db('questionnaire_items').select('kind', 'options', 'scale_low_label');
    expect(item).toEqual({ kind: 'multiple', options: ['Übungen', 'Fallbeispiele', 'Austausch'], scale_low_label: null });
  });

  it('edits a version that is not in use in place, adds, reorders and removes questions', async () => {
    const agent = await coordinator();
    const { questionnaireId, versionId } = await createQuestionnaire(ctx.db, { title: 'Entwurf' });
    const editor = `/evaluation/questionnaires/${questionnaireId}`;
    expect((await post(agent, editor, editor, { title: 'Feedback Modul 1', introduction: 'Danke!' })).status).toBe(303);
    const added = await post(agent, editor, `${editor}/items`, { kind: 'text', prompt: 'Was fehlte Ihnen?', options: '', scaleLowLabel: '', scaleHighLabel: '' });
    expect(added.status).toBe(303);
    let items = await itemsOf(versionId);
    expect(items.map((item) => item.prompt)).toEqual(['Wie zufrieden waren Sie insgesamt?', 'War das Tempo passend?', 'Was hat Ihnen geholfen?', 'Was möchten Sie uns noch sagen?', 'Was fehlte Ihnen?']);

    expect((await post(agent, editor, `${editor}/items/${items[4]!.id}/move`, { direction: 'up' })).status).toBe(303);
    expect((await post(agent, editor, `${editor}/items/${items[0]!.id}/move`, { direction: 'down' })).status).toBe(303);
    expect((await post(agent, editor, `${editor}/items/${items[2]!.id}/delete`, {})).status).toBe(303);
    items = await itemsOf(versionId);
    expect(items.map((item) => [item.position, item.prompt])).toEqual([
      [1, 'War das Tempo passend?'],
      [2, 'Wie zufrieden waren Sie insgesamt?'],
      [3, 'Was fehlte Ihnen?'],
      [4, 'Was möchten Sie uns noch sagen?'],
    ]);
    expect((await versionsOf(questionnaireId)).map((version) => [version.version, version.title])).toEqual([[1, 'Feedback Modul 1']]);

    const page = await agent.get(editor);
    expect(textOf(page.text)).toContain('Die Frage wurde entfernt.');
    expect(page.text).toContain('aria-label="Frage 2 nach oben verschieben"');
    expect(page.text).not.toContain('Ihre Änderung wird als Version');
  });

  it('saves an edit of a questionnaire in use as a new version, says so beforehand, keeps keys of unchanged questions', async () => {
    const agent = await coordinator();
    const { questionnaireId, versionId, itemIds, itemKeys } = await createQuestionnaire(ctx.db, { inUse: true });
    const editor = `/evaluation/questionnaires/${questionnaireId}`;
    const before = await agent.get(`${editor}/items/${itemIds[1]}/edit`);
    expect(textOf(before.text)).toContain('Dieser Fragebogen ist in Gebrauch; Ihre Änderung wird als Version 2 gespeichert.');
    expect(textOf(before.text)).toContain('Als Version 2 speichern');

    const response = await post(agent, `${editor}/items/${itemIds[1]}/edit`, `${editor}/items/${itemIds[1]}`, {
      kind: 'single',
      prompt: 'War das Tempo angemessen?',
      required: 'yes',
      options: 'zu langsam\npassend\nzu schnell',
      scaleLowLabel: '',
      scaleHighLabel: '',
    });
    expect(response.status).toBe(303);
    const versions = await versionsOf(questionnaireId);
    expect(versions.map((version) => version.version)).toEqual([1, 2]);
    expect(versions[1]!.in_use_since).toBeNull();
    // Version 1 stays as it was answered.
    expect((await itemsOf(versionId)).map((item) => item.prompt)).toContain('War das Tempo passend?');
    const copied = await itemsOf(versions[1]!.id);
    expect(copied.map((item) => item.prompt)).toEqual(['Wie zufrieden waren Sie insgesamt?', 'War das Tempo angemessen?', 'Was hat Ihnen geholfen?', 'Was möchten Sie uns noch sagen?']);
    expect(copied[0]!.item_key).toBe(itemKeys[0]);
    expect(copied[1]!.item_key).not.toBe(itemKeys[1]);
    expect(copied[2]!.item_key).toBe(itemKeys[2]);
    expect(await ctx.db('audit_events').where({ action: 'questionnaire.versionCreated', subject_id: String(questionnaireId) })).toHaveLength(1);
    // A page loaded before the change still names the old question: saying so beats saving over it.
    const stale = await post(agent, editor, `${editor}/items/${itemIds[1]}`, { kind: 'text', prompt: 'Überholt' });
    expect(stale.status).toBe(409);
    expect(textOf(stale.text)).toContain('Diese Frage wurde inzwischen geändert oder entfernt.');

    // Version 2 is not in use yet: the next change (posted from the old page) changes it, no version 3.
    expect((await post(agent, editor, `${editor}/items/${itemIds[0]}/move`, { direction: 'down' })).status).toBe(303);
    expect((await versionsOf(questionnaireId)).map((version) => version.version)).toEqual([1, 2]);
    const page = await agent.get(editor);
    expect(textOf(page.text)).toContain('Version 2 · noch nicht in Gebrauch');

    // Making a question required or optional keeps its identity for comparisons.
    const reordered = await itemsOf(versions[1]!.id);
    const scale = reordered.find((item) => item.kind === 'scale')!;
    await post(agent, `${editor}/items/${scale.id}/edit`, `${editor}/items/${scale.id}`, { kind: 'scale', prompt: scale.prompt, scaleLowLabel: 'gar nicht', scaleHighLabel: 'sehr', options: '' });
    const after = (await itemsOf(versions[1]!.id)).find((item) => item.id === scale.id)!;
    expect(after.required).toBe(false);
    expect(after.item_key).toBe(itemKeys[0]);
  });

  it('makes exactly one new version when two coordinators save the same questionnaire at once', async () => {
    const [first, second] = await Promise.all([coordinator(), coordinator()]);
    const { questionnaireId } = await createQuestionnaire(ctx.db, { inUse: true });
    const editor = `/evaluation/questionnaires/${questionnaireId}`;
    const [pageA, pageB] = await Promise.all([first.get(editor), second.get(editor)]);
    const responses = await Promise.all([
      first.post(editor).type('form').send({ title: 'Titel A', introduction: '', _csrf: csrfTokenIn(pageA.text) }),
      second.post(`${editor}/items`).type('form').send({ kind: 'text', prompt: 'Noch etwas?', _csrf: csrfTokenIn(pageB.text) }),
    ]);
    expect(responses.map((response) => response.status)).toEqual([303, 303]);
    const versions = await versionsOf(questionnaireId);
    expect(versions.map((version) => version.version)).toEqual([1, 2]);
    expect(versions[1]!.title).toBe('Titel A');
    expect((await itemsOf(versions[1]!.id)).map((item) => item.prompt)).toContain('Noch etwas?');
  });

  it('does not let the last question be removed', async () => {
    const agent = await coordinator();
    const { questionnaireId, itemIds } = await createQuestionnaire(ctx.db, { items: [{ kind: 'text', prompt: 'Einzige Frage' }] });
    const editor = `/evaluation/questionnaires/${questionnaireId}`;
    const page = await agent.get(editor);
    expect(page.text).not.toContain(`/items/${itemIds[0]}/delete`);
    const response = await post(agent, editor, `${editor}/items/${itemIds[0]}/delete`, {});
    expect(response.status).toBe(409);
    expect(textOf(response.text)).toContain('ein Fragebogen braucht mindestens eine Frage');
    expect(await ctx.db('questionnaire_items').where('id', itemIds[0])).toHaveLength(1);
  });

  it('lists questionnaires with version and use, archives and restores them', async () => {
    const agent = await coordinator();
    const used = await createQuestionnaire(ctx.db, { title: 'Ältere Fassung', inUse: true });
    const draft = await createQuestionnaire(ctx.db, { title: 'Zukunftswerkstatt' });
    await createQuestionnaire(ctx.db, { title: 'Abgelegt', archived: true });

    const list = await agent.get('/evaluation/questionnaires');
    expect(list.status).toBe(200);
    const text = textOf(list.text);
    expect(text).toMatch(/Ältere Fassung 1 4 ja .*Zukunftswerkstatt 1 4 nein/);
    expect(text).not.toContain('Abgelegt');

    const editor = `/evaluation/questionnaires/${draft.questionnaireId}`;
    expect((await post(agent, editor, `${editor}/archive`, {})).status).toBe(303);
    expect(await ctx.db('audit_events').where({ action: 'questionnaire.archived', subject_id: String(draft.questionnaireId) })).toHaveLength(1);
    expect(textOf((await agent.get('/evaluation/questionnaires')).text)).not.toContain('Zukunftswerkstatt');
    const archived = textOf((await agent.get('/evaluation/questionnaires?archived=yes')).text);
    expect(archived).toContain('Zukunftswerkstatt');
    expect(archived).toContain('Abgelegt');
    expect(archived).not.toContain('Ältere Fassung');

    // Archived: shown, not changed.
    const archivedPage = await agent.get(editor);
    expect(textOf(archivedPage.text)).toContain('Dieser Fragebogen ist archiviert');
    const refused = await agent.post(editor).type('form').send({ title: 'Neu', introduction: '', _csrf: csrfTokenIn(archivedPage.text) });
    expect(refused.status).toBe(409);
    expect((await versionsOf(draft.questionnaireId))[0]!.title).not.toBe('Neu');

    expect((await post(agent, editor, `${editor}/restore`, {})).status).toBe(303);
    expect(textOf((await agent.get('/evaluation/questionnaires')).text)).toContain('Zukunftswerkstatt');
    expect(used.version).toBe(1);
  });

  it('previews the questionnaire as participants will see it, every question a fieldset with its legend', async () => {
    const agent = await coordinator();
    const { questionnaireId } = await createQuestionnaire(ctx.db, { title: 'Feedback zum Modul', introduction: 'Erster Absatz.\n\nZweiter Absatz.' });
    const page = await agent.get(`/evaluation/questionnaires/${questionnaireId}/preview`);
    expect(page.status).toBe(200);
    expect(page.text.match(/<fieldset/g)).toHaveLength(4);
    expect(page.text).toContain('<p class="kern-body">Zweiter Absatz.</p>');
    const text = textOf(page.text);
    expect(text).toContain('1. Wie zufrieden waren Sie insgesamt?');
    expect(text).toContain('1 – gar nicht');
    expect(text).toContain('5 – sehr');
    expect(text).toContain('Fallbeispiele');
    expect(page.text).toMatch(/type="checkbox"[^>]*name="item-\d+"/);
    expect(text).toContain('Hier kann nichts abgeschickt werden.');
  });

  it('refuses trainers and participants, and answers 404 for unknown questionnaires and items of another one', async () => {
    const { questionnaireId } = await createQuestionnaire(ctx.db);
    const other = await createQuestionnaire(ctx.db);
    for (const role of ['trainer', 'participant'] as const) {
      const agent = await loginAs(ctx.app, await createUser(ctx.db, { role }));
      expect((await agent.get('/evaluation/questionnaires')).status).toBe(403);
      expect((await agent.get(`/evaluation/questionnaires/${questionnaireId}`)).status).toBe(403);
      const home = await agent.get('/');
      expect((await agent.post(`/evaluation/questionnaires/${questionnaireId}/archive`).type('form').send({ _csrf: csrfTokenIn(home.text) })).status).toBe(403);
    }
    expect(await ctx.db('questionnaires').whereNotNull('archived_at')).toHaveLength(0);

    const agent = await coordinator();
    expect((await agent.get('/evaluation/questionnaires/999999')).status).toBe(404);
    expect((await agent.get('/evaluation/questionnaires/abc')).status).toBe(404);
    expect((await agent.get(`/evaluation/questionnaires/${questionnaireId}/items/${other.itemIds[0]}/edit`)).status).toBe(404);
    const editor = `/evaluation/questionnaires/${questionnaireId}`;
    const moved = await post(agent, editor, `${editor}/items/${other.itemIds[1]}/move`, { direction: 'up' });
    expect(moved.status).toBe(404);
    expect((await ctx.db('questionnaire_items').where('id', other.itemIds[1]).first()).position).toBe(2);
  });

  it('shows each page with at most 6 SQL statements, session and user included', async () => {
    const agent = await coordinator();
    const { questionnaireId, itemIds } = await createQuestionnaire(ctx.db, { inUse: true });
    await createQuestionnaire(ctx.db, { items: [{ kind: 'text' }] });
    const editor = `/evaluation/questionnaires/${questionnaireId}`;
    for (const path of ['/evaluation/questionnaires', '/evaluation/questionnaires?archived=yes', '/evaluation/questionnaires/new', editor, `${editor}/preview`, `${editor}/items/${itemIds[2]}/edit`]) {
      await agent.get(path).expect(200);
      const statements = await countQueries(ctx.db, () => agent.get(path).expect(200));
      expect({ path, withinBudget: statements <= 6 }).toEqual({ path, withinBudget: true });
    }
  });

  it('speaks English to a coordinator who chose English', async () => {
    const agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator', locale: 'en' }));
    const { questionnaireId } = await createQuestionnaire(ctx.db, { inUse: true });
    expect(textOf((await agent.get('/evaluation/questionnaires')).text)).toContain('Evaluation questionnaires');
    expect(textOf((await agent.get(`/evaluation/questionnaires/${questionnaireId}`)).text)).toContain('This questionnaire is in use; your change will be saved as version 2.');
    const refused = await post(agent, '/evaluation/questionnaires/new', '/evaluation/questionnaires', { ...validNew, kind: 'single', options: 'yes' });
    expect(refused.status).toBe(422);
    expect(textOf(refused.text)).toContain('Please enter at least two different answer options, one per line.');
  });

  it('makes no new version when a questionnaire in use is saved without a change', async () => {
    const agent = await coordinator();
    const { questionnaireId, itemIds, title } = await createQuestionnaire(ctx.db, { inUse: true, introduction: 'Danke.' });
    const editor = `/evaluation/questionnaires/${questionnaireId}`;
    expect((await post(agent, editor, editor, { title, introduction: 'Danke.' })).status).toBe(303);
    const item = `${editor}/items/${itemIds[0]}`;
    const unchanged = { kind: 'scale', prompt: 'Wie zufrieden waren Sie insgesamt?', required: 'yes', scaleLowLabel: 'gar nicht', scaleHighLabel: 'sehr', options: '' };
    expect((await post(agent, `${item}/edit`, item, unchanged)).status).toBe(303);
    expect((await versionsOf(questionnaireId)).map((version) => version.version)).toEqual([1]);
    // Optional instead of required is a change: version 2.
    expect((await post(agent, `${item}/edit`, item, { ...unchanged, required: '' })).status).toBe(303);
    expect((await versionsOf(questionnaireId)).map((version) => version.version)).toEqual([1, 2]);
  });
});
