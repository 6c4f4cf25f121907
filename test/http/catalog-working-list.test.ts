import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { inputValue, selectOptions } from '../support/html';
import { loginAs, textOf, type Agent } from '../support/http';

/** Rows of the working list: id and the cells' text, in the order shown. */
function listedRows(html: string): { id: number; cells: string[] }[] {
  const body = /<tbody class="kern-table__body">([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr class="kern-table__row">([\s\S]*?)<\/tr>/g)].map((row) => ({
    id: Number(/href="\/manage\/offerings\/(\d+)"/.exec(row[1] ?? '')?.[1]),
    cells: [...(row[1] ?? '').matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((cell) => textOf(cell[1] ?? '')),
  }));
}

const listedIds = (html: string) => listedRows(html).map((row) => row.id);

/** Links of the page navigation, by their text. */
function pageLinks(html: string): Record<string, string> {
  const nav = /<nav class="app-pagination"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '';
  return Object.fromEntries([...nav.matchAll(/<a class="kern-link"(?: rel="\w+")? href="([^"]+)">([^<]+)<\/a>/g)].map((match) => [match[2] ?? '', (match[1] ?? '').replace(/&amp;/g, '&')]));
}

describe('the coordinators’ working list of offerings', () => {
  const ctx = useTestApp();
  let agent: Agent;

  beforeEach(async () => {
    agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
  });

  async function enrol(offeringId: number, count: number, status: 'confirmed' | 'waitlisted' | 'cancelled') {
    for (let index = 0; index < count; index += 1) {
      const person = await createUser(ctx.db, { organisationId: null });
      await ctx.db('enrollments').insert({ offering_id: offeringId, user_id: person.id, status, confirmed_at: status === 'confirmed' ? new Date() : null, cancelled_at: status === 'cancelled' ? new Date() : null });
    }
  }

  async function undatedDraft(title: string) {
    const draft = await createOffering(ctx.db, { title, status: 'draft', sessions: 0 });
    return draft;
  }

  it('shows by default what is running or still to come, soonest first, with its seats; past and cancelled ones only when asked', async () => {
    const later = await createOffering(ctx.db, { title: 'Workshop Herbst', startsInDays: 60, capacity: 12 });
    const sooner = await createOffering(ctx.db, { title: 'Workshop Winter', startsInDays: 10, capacity: 3 });
    const running = await createOffering(ctx.db, { title: 'Reihe laufend', startsInDays: -3, sessions: 2, registrationOpensInDays: -60, registrationClosesInDays: -4 });
    const undated = await undatedDraft('Entwurf ohne Termine');
    const past = await createOffering(ctx.db, { title: 'Workshop Vorbei', startsInDays: -20, registrationOpensInDays: -60 });
    const cancelled = await createOffering(ctx.db, { title: 'Workshop Abgesagt', status: 'cancelled', startsInDays: 15 });
    await enrol(sooner.id, 3, 'confirmed');
    await enrol(sooner.id, 2, 'waitlisted');
    await enrol(sooner.id, 1, 'cancelled');

    const page = await agent.get('/manage/offerings');
    expect(page.status).toBe(200);
    expect(listedIds(page.text)).toEqual([running.id, sooner.id, later.id, undated.id]);
    expect(textOf(page.text)).toContain('4 Ergebnisse');
    const soonerRow = listedRows(page.text).find((row) => row.id === sooner.id)!;
    expect(soonerRow.cells.slice(-2)).toEqual(['3 / 3', '2']);
    expect(listedRows(page.text).find((row) => row.id === undated.id)!.cells).toContain('noch keine Termine');
    expect(selectOptions(page.text, 'period').find((option) => option.selected)?.label).toBe('Laufende und kommende');
    expect(selectOptions(page.text, 'status').find((option) => option.selected)?.label).toBe('Entwürfe und veröffentlichte');

    const pastOnes = await agent.get('/manage/offerings').query({ period: 'past' });
    expect(listedIds(pastOnes.text)).toEqual([past.id]);
    expect(selectOptions(pastOnes.text, 'period').find((option) => option.selected)?.value).toBe('past');

    const cancelledOnes = await agent.get('/manage/offerings').query({ status: 'cancelled' });
    expect(listedIds(cancelledOnes.text)).toEqual([cancelled.id]);

    const running_ = await agent.get('/manage/offerings').query({ period: 'running' });
    expect(listedIds(running_.text)).toEqual([running.id]);
    const upcoming = await agent.get('/manage/offerings').query({ period: 'upcoming' });
    expect(listedIds(upcoming.text)).toEqual([sooner.id, later.id, undated.id]);

    // Everything: the running and coming ones first, then the past ones, most recent first.
    const everything = await agent.get('/manage/offerings').query({ period: 'all', status: 'any' });
    expect(listedIds(everything.text)).toEqual([running.id, sooner.id, cancelled.id, later.id, undated.id, past.id]);

    // Made-up values in a link fall back to the defaults.
    const bogus = await agent.get('/manage/offerings').query({ period: 'soon', status: 'gone', size: '1000' });
    expect(bogus.status).toBe(200);
    expect(listedIds(bogus.text)).toEqual(listedIds(page.text));
  });

  it('finds offerings by a piece of their title or location and by programme, keeping the choices in the form', async () => {
    const series = await createProgramme(ctx.db, { kind: 'series', title: 'Konfliktmanagement' });
    const inSeries = await createOffering(ctx.db, { programmeId: series.id, title: 'Durchgang Süd', sessions: 1, moduleIds: [series.modules[0]!.id] });
    const elsewhere = await createOffering(ctx.db, { title: 'Workshop Nord' });
    await ctx.db('offerings').where('id', elsewhere.id).update({ location: 'Rathaus Lindenau, Saal 2' });

    const byTitle = await agent.get('/manage/offerings').query({ q: 'süd' });
    expect(listedIds(byTitle.text)).toEqual([inSeries.id]);
    expect(inputValue(byTitle.text, 'q')).toBe('süd');
    const byLocation = await agent.get('/manage/offerings').query({ q: 'lindenau' });
    expect(listedIds(byLocation.text)).toEqual([elsewhere.id]);
    // A % is a character, not a wildcard.
    expect(listedIds((await agent.get('/manage/offerings').query({ q: '%' })).text)).toEqual([]);
    expect(textOf((await agent.get('/manage/offerings').query({ q: '%' })).text)).toContain('Keine Durchgänge gefunden.');

    const byProgramme = await agent.get('/manage/offerings').query({ programme: String(series.id) });
    expect(listedIds(byProgramme.text)).toEqual([inSeries.id]);
    expect(selectOptions(byProgramme.text, 'programme').find((option) => option.selected)).toMatchObject({ value: String(series.id), label: 'Konfliktmanagement' });
  });

  it('shows 25 or 50 a page and keeps search, filters and page size in the page links', async () => {
    const programme = await createProgramme(ctx.db, { title: 'Workshop Deeskalation' });
    const ids: number[] = [];
    for (let index = 0; index < 27; index += 1) ids.push((await createOffering(ctx.db, { programmeId: programme.id, title: `Deeskalation ${index + 1}`, startsInDays: 5 + index })).id);
    await createOffering(ctx.db, { title: 'Anderes Thema', startsInDays: 2 });

    const first = await agent.get('/manage/offerings').query({ q: 'Deeskalation', status: 'published' });
    expect(listedIds(first.text)).toEqual(ids.slice(0, 25));
    expect(textOf(first.text)).toContain('27 Ergebnisse');
    const next = pageLinks(first.text)['Nächste Seite'];
    expect(next).toBe('/manage/offerings?q=Deeskalation&status=published&page=2');
    const second = await agent.get(next!);
    expect(listedIds(second.text)).toEqual(ids.slice(25));
    expect(inputValue(second.text, 'q')).toBe('Deeskalation');
    expect(selectOptions(second.text, 'status').find((option) => option.selected)?.value).toBe('published');

    const long = await agent.get('/manage/offerings').query({ q: 'Deeskalation', size: '50' });
    expect(listedIds(long.text)).toEqual(ids);
    expect(selectOptions(long.text, 'size').find((option) => option.selected)?.label).toBe('50 pro Seite');
    expect(pageLinks(long.text)).toEqual({});

    const pastTheEnd = await agent.get('/manage/offerings').query({ q: 'Deeskalation', page: '5' });
    expect(listedIds(pastTheEnd.text)).toEqual(ids.slice(25));
  });

  it('sends as many statements for 60 offerings as for 2, at most six', async () => {
    const programme = await createProgramme(ctx.db);
    const first = await createOffering(ctx.db, { programmeId: programme.id, startsInDays: 4 });
    await createOffering(ctx.db, { programmeId: programme.id, startsInDays: -30, registrationOpensInDays: -60 });
    await enrol(first.id, 2, 'confirmed');
    // The session's activity is written at most once a minute: the first view may write it, so it is not measured.
    expect((await agent.get('/manage/offerings')).status).toBe(200);
    const measure = async () => ({
      current: await countQueries(ctx.db, () => agent.get('/manage/offerings')),
      all: await countQueries(ctx.db, () => agent.get('/manage/offerings?period=all&status=any&size=50&q=Workshop')),
    });
    const small = await measure();
    for (let index = 0; index < 58; index += 1) {
      const offering = await createOffering(ctx.db, { programmeId: programme.id, startsInDays: index % 2 === 0 ? 10 + index : -40 - index, registrationOpensInDays: -100 });
      if (index < 5) await enrol(offering.id, 2, 'waitlisted');
    }
    let shown = 0;
    const large = { ...(await measure()), current: await countQueries(ctx.db, async () => (shown = listedIds((await agent.get('/manage/offerings')).text).length)) };
    expect(shown).toBe(25);
    expect(large).toEqual(small);
    for (const count of Object.values(large)) expect(count).toBeLessThanOrEqual(6);
  });
});
