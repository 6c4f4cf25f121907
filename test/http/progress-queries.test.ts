import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { loginAs, textOf } from '../support/http';

/** "Mein Fortschritt" reads a person's whole history with a fixed number of queries, however long it is (issue 11). */
describe('progress page queries', () => {
  const ctx = useTestApp();

  it('sends the same few statements for one enrollment as for six, and shows all six', async () => {
    const person = await createUser(ctx.db);
    const enrol = async (title: string, kind: 'series' | 'workshop', status: 'confirmed' | 'waitlisted' = 'confirmed') => {
      const programme = await createProgramme(ctx.db, { kind, title });
      const offering = await createOffering(ctx.db, {
        programmeId: programme.id,
        title: `${title}, Durchgang 1`,
        moduleIds: programme.modules.map((module) => module.id),
        sessions: kind === 'series' ? 5 : 1,
        startsInDays: -20,
        registrationOpensInDays: -60,
        registrationClosesInDays: -30,
      });
      await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status, confirmed_at: status === 'confirmed' ? new Date() : null });
      // The first session has been, and the person came: history to read for every programme.
      await ctx.db('attendance_records').insert({ session_id: offering.sessionIds[0], user_id: person.id, status: 'present', source: 'roll_call' });
    };
    await enrol('Qualifizierungsreihe Konfliktmanagement', 'series');
    const agent = await loginAs(ctx.app, person);
    // The first view after login may still write the session; the pages are compared warm.
    expect(textOf((await agent.get('/my/progress').expect(200)).text)).toContain('1 von 5 erforderlichen Modulen abgeschlossen');
    const withOne = await countQueries(ctx.db, () => agent.get('/my/progress').expect(200));

    await enrol('Workshop Extremismus', 'workshop');
    await enrol('Fachtag Neutralität', 'workshop');
    await enrol('Qualifizierungsreihe Beteiligung', 'series');
    await enrol('Workshop Hate Speech', 'workshop', 'waitlisted');
    await enrol('Fachtag Kommunalpolitik', 'workshop');
    let page = '';
    const withSix = await countQueries(ctx.db, async () => {
      page = textOf((await agent.get('/my/progress').expect(200)).text);
    });
    for (const title of ['Qualifizierungsreihe Konfliktmanagement', 'Workshop Extremismus', 'Fachtag Neutralität', 'Qualifizierungsreihe Beteiligung', 'Workshop Hate Speech', 'Fachtag Kommunalpolitik']) {
      expect(page).toContain(title);
    }
    expect(page).toContain('Workshop Extremismus, Durchgang 1: teilgenommen');
    expect(withSix).toBe(withOne);
    expect(withSix).toBeLessThanOrEqual(6);
  });

  it('a module whose session is running shows "läuft gerade", and "kein Nachholtermin" only once it is over', async () => {
    const person = await createUser(ctx.db);
    const programme = await createProgramme(ctx.db, { kind: 'series', title: 'Qualifizierungsreihe Konfliktmanagement' });
    const offering = await createOffering(ctx.db, {
      programmeId: programme.id,
      title: 'Durchgang Herbst',
      moduleIds: programme.modules.map((module) => module.id),
      sessions: 5,
      startsInDays: -1 / 24,
      registrationOpensInDays: -60,
      registrationClosesInDays: -30,
    });
    await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed', confirmed_at: new Date() });
    const agent = await loginAs(ctx.app, person);
    const during = textOf((await agent.get('/my/progress').expect(200)).text);
    expect(during).toMatch(/1\. Modul 1 offen läuft gerade \(Durchgang Herbst\)/);
    expect(during).not.toContain('kein Nachholtermin geplant');

    await ctx.db('offering_sessions').where('id', offering.sessionIds[0]!).update({ ends_at: ctx.db.raw("now() - interval '1 minute'") });
    const after = textOf((await agent.get('/my/progress').expect(200)).text);
    expect(after).toMatch(/1\. Modul 1 verpasst kein Nachholtermin geplant/);
  });
});
