import { DEMO_ACCOUNTS, DEMO_PASSWORD, seed } from '../../seeds/demo';
import { useTestApp } from '../support/app';
import { loginAs, textOf } from '../support/http';

/** The demo district comes with a questionnaire of every kind, assigned as the issue describes. */
describe('demo seed: evaluation questionnaire', () => {
  const ctx = useTestApp();

  it('loads "Feedback zum Modul" with all four kinds, per module for the series and once per workshop', async () => {
    await seed(ctx.db);
    const [questionnaire] = (await ctx.db('questionnaires').select('id', 'title')) as { id: number; title: string }[];
    expect(questionnaire?.title).toBe('Feedback zum Modul');
    const kinds = (await ctx.db('questionnaire_items as i').join('questionnaire_versions as v', 'v.id', 'i.version_id').where('v.questionnaire_id', questionnaire!.id).orderBy('i.position').pluck('i.kind')) as string[];
    expect(new Set(kinds)).toEqual(new Set(['scale', 'single', 'multiple', 'text']));
    const assignments = await ctx.db('evaluation_assignments as a').join('programmes as p', 'p.id', 'a.programme_id').select('p.kind', 'a.scope', 'a.answer_days').orderBy('p.kind');
    expect(assignments).toEqual([
      { kind: 'series', scope: 'module', answer_days: 14 },
      { kind: 'workshop', scope: 'offering', answer_days: 14 },
    ]);

    const agent = await loginAs(ctx.app, { email: DEMO_ACCOUNTS.coordinator, password: DEMO_PASSWORD });
    const list = await agent.get('/evaluation/questionnaires');
    expect(textOf(list.text)).toContain('Feedback zum Modul 1 5 nein');
    const preview = await agent.get(`/evaluation/questionnaires/${questionnaire!.id}/preview`);
    expect(preview.status).toBe(200);
    expect(textOf(preview.text)).toContain('Was hat Ihnen beim Lernen geholfen?');
  });
});
