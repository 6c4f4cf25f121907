import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { loginAs, textOf } from '../support/http';

/** "Mein Fortschritt" reads a person's whole history with a fixed number of queries, however long it is. */
describe('progress page queries', () => {
  const ctx = useTestApp();

  it('sends as many queries for three programmes as for one, and shows all three', async () => {
    const person = await createUser(ctx.db);
    const enrol = async (title: string, kind: 'series' | 'workshop') => {
      const programme = await createProgramme(ctx.db, { kind, title });
      const offering = await createOffering(ctx.db, { programmeId: programme.id, moduleIds: programme.modules.map((module) => module.id), sessions: kind === 'series' ? 5 : 1 });
      await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed', confirmed_at: new Date() });
    };
    await enrol('Qualifizierungsreihe Konfliktmanagement', 'series');
    const agent = await loginAs(ctx.app, person);
    expect((await agent.get('/my/progress')).status).toBe(200);
    const withOne = await countQueries(ctx.db, () => agent.get('/my/progress'));

    await enrol('Workshop Extremismus', 'workshop');
    await enrol('Fachtag Neutralität', 'workshop');
    let page = '';
    const withThree = await countQueries(ctx.db, async () => {
      page = textOf((await agent.get('/my/progress')).text);
    });
    expect(page).toContain('Qualifizierungsreihe Konfliktmanagement');
    expect(page).toContain('Workshop Extremismus');
    expect(page).toContain('Fachtag Neutralität');
    expect(withThree).toBe(withOne);
  });
});
