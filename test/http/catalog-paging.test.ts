import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { loginAs, newAgent, textOf } from '../support/http';
import { selectOptions } from '../support/html';

/** Offerings shown as cards in the catalog, in the order shown. */
function offeringIdsIn(html: string): number[] {
  return [...html.matchAll(/<h2 class="kern-title"><a class="kern-link" href="\/offerings\/(\d+)">/g)].map((match) => Number(match[1]));
}

/** Links of the page navigation, by their text. */
function pageLinks(html: string): Record<string, string> {
  const nav = /<nav class="app-pagination"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '';
  return Object.fromEntries([...nav.matchAll(/<a class="kern-link"(?: rel="\w+")? href="([^"]+)">([^<]+)<\/a>/g)].map((match) => [match[2] ?? '', (match[1] ?? '').replace(/&amp;/g, '&')]));
}

describe('public catalog at district scale', () => {
  const ctx = useTestApp();

  /** `count` published workshops of one programme, one a day from `fromDay` on. */
  async function workshops(programmeId: number, count: number, fromDay = 5) {
    const ids: number[] = [];
    for (let index = 0; index < count; index += 1) ids.push((await createOffering(ctx.db, { programmeId, title: `Termin ${index + 1}`, startsInDays: fromDay + index })).id);
    return ids;
  }

  it('shows 20 offerings a page, soonest first, and keeps the filter in the page links', async () => {
    const programme = await createProgramme(ctx.db, { title: 'Workshop Deeskalation' });
    const ids = await workshops(programme.id, 23);
    await createOffering(ctx.db, { title: 'Anderes Programm', startsInDays: 3 });

    const agent = newAgent(ctx.app);
    const first = await agent.get('/offerings').query({ programme: String(programme.id) });
    expect(offeringIdsIn(first.text)).toEqual(ids.slice(0, 20));
    expect(textOf(first.text)).toContain('23 Angebote');
    expect(textOf(first.text)).toContain('Seite 1 von 2');
    const next = pageLinks(first.text)['Nächste Seite'];
    expect(next).toBe(`/offerings?programme=${programme.id}&page=2`);

    const second = await agent.get(next!);
    expect(offeringIdsIn(second.text)).toEqual(ids.slice(20));
    expect(selectOptions(second.text, 'programme').find((option) => option.selected)).toEqual({ value: String(programme.id), label: 'Workshop Deeskalation (23)', selected: true });

    // An old link past the end shows the last page rather than an empty one.
    const pastTheEnd = await agent.get('/offerings').query({ programme: String(programme.id), page: '7' });
    expect(offeringIdsIn(pastTheEnd.text)).toEqual(ids.slice(20));
    expect(textOf(pastTheEnd.text)).toContain('Seite 2 von 2');
  });

  it('offers the programmes that have something on offer, with how many', async () => {
    const series = await createProgramme(ctx.db, { kind: 'series', title: 'Qualifizierungsreihe Konfliktmanagement' });
    const workshop = await createProgramme(ctx.db, { title: 'Workshop Extremismus' });
    const finished = await createProgramme(ctx.db, { title: 'Fachtag 2025' });
    await createOffering(ctx.db, { programmeId: series.id, sessions: 5, moduleIds: series.modules.map((module) => module.id) });
    await workshops(workshop.id, 2);
    await createOffering(ctx.db, { programmeId: finished.id, startsInDays: -30, registrationOpensInDays: -60 });
    await createOffering(ctx.db, { programmeId: finished.id, status: 'cancelled' });

    const page = await newAgent(ctx.app).get('/offerings');
    expect(selectOptions(page.text, 'programme').map((option) => option.label)).toEqual(['Alle Programme', 'Qualifizierungsreihe Konfliktmanagement (1)', 'Workshop Extremismus (2)']);

    // A programme chosen in an old link stays chosen, even with nothing on offer.
    const chosen = await newAgent(ctx.app).get('/offerings').query({ programme: String(finished.id) });
    expect(offeringIdsIn(chosen.text)).toEqual([]);
    expect(selectOptions(chosen.text, 'programme').find((option) => option.selected)).toEqual({ value: String(finished.id), label: 'Fachtag 2025 (0)', selected: true });
  });

  it('marks full offerings and counts only confirmed seats, on every page', async () => {
    const programme = await createProgramme(ctx.db);
    const ids = await workshops(programme.id, 21);
    const lastId = ids[20]!;
    await ctx.db('offerings').where('id', lastId).update({ capacity: 1 });
    const person = await createUser(ctx.db);
    await ctx.db('enrollments').insert({ offering_id: lastId, user_id: person.id, status: 'confirmed', confirmed_at: new Date() });

    const agent = newAgent(ctx.app);
    const second = await agent.get('/offerings').query({ page: '2' });
    expect(offeringIdsIn(second.text)).toEqual([lastId]);
    expect(textOf(second.text)).toContain('ausgebucht – Warteliste möglich');
    const free = await agent.get('/offerings').query({ free: 'yes' });
    expect(textOf(free.text)).toContain('20 Angebote');
    expect(offeringIdsIn(free.text)).not.toContain(lastId);
  });

  it('keeps the list page light: 20 cards in a few dozen KB', async () => {
    const programme = await createProgramme(ctx.db);
    await workshops(programme.id, 25);
    const page = await newAgent(ctx.app).get('/offerings');
    expect(offeringIdsIn(page.text)).toHaveLength(20);
    expect(Buffer.byteLength(page.text)).toBeLessThan(30_000);
  });

  it('sends as many statements for 40 offerings as for 2, at most six, for the list and an offering', async () => {
    const programme = await createProgramme(ctx.db);
    const [firstId] = await workshops(programme.id, 2);
    const person = await createUser(ctx.db);
    const waiting = await createUser(ctx.db);
    await ctx.db('offerings').where('id', firstId).update({ capacity: 1 });
    await ctx.db('enrollments').insert({ offering_id: firstId, user_id: person.id, status: 'confirmed', confirmed_at: new Date() });
    // The longest way through the offering page: a logged-in person on the waitlist (their position is shown).
    await ctx.db('enrollments').insert({ offering_id: firstId, user_id: waiting.id, status: 'waitlisted' });
    const anonymous = newAgent(ctx.app);
    const participant = await loginAs(ctx.app, waiting);
    // The session's activity is written at most once a minute: the first view may write it, so it is not measured.
    expect((await participant.get(`/offerings/${firstId}`)).status).toBe(200);

    const measure = async () => ({
      list: await countQueries(ctx.db, () => anonymous.get('/offerings')),
      filtered: await countQueries(ctx.db, () => anonymous.get(`/offerings?programme=${programme.id}&free=yes&kind=workshop`)),
      detail: await countQueries(ctx.db, () => anonymous.get(`/offerings/${firstId}`)),
      detailLoggedIn: await countQueries(ctx.db, () => participant.get(`/offerings/${firstId}`)),
      listLoggedIn: await countQueries(ctx.db, () => participant.get('/offerings')),
    });
    const small = await measure();
    await workshops(programme.id, 38, 40);
    for (let index = 0; index < 30; index += 1) {
      await ctx.db('enrollments').insert({ offering_id: firstId, user_id: (await createUser(ctx.db, { organisationId: null })).id, status: 'waitlisted' });
    }
    const large = await measure();

    expect(large).toEqual(small);
    for (const count of Object.values(large)) expect(count).toBeLessThanOrEqual(6);
    const detail = await participant.get(`/offerings/${firstId}`);
    expect(textOf(detail.text)).toContain('Sie stehen auf der Warteliste (Platz 1).');
    expect(textOf(detail.text)).toContain('31 auf der Warteliste');
  });
});
