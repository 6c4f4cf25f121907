import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createOrganisation, createUser } from '../support/factories';
import { inputValue, selectOptions } from '../support/html';
import { loginAs, submitForm, textOf, type Agent } from '../support/http';

/** The coordinator's list at county scale: a page at a time, filtered, with a fixed number of queries. */
describe('enrollment list of an offering', () => {
  const ctx = useTestApp();
  let agent: Agent;

  beforeEach(async () => {
    agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
  });

  const list = (offeringId: number, query = '') => `/manage/offerings/${offeringId}/enrollments${query}`;

  /**
   * Seats many people at once (they never log in): last names as given, requested one
   * second apart in the given order, all of one organisation.
   */
  async function seat(offeringId: number, lastNames: string[], status: 'confirmed' | 'waitlisted' | 'pending' | 'cancelled', organisation = 'Gemeinde Ahornfeld') {
    const { id: organisationId } = await createOrganisation(ctx.db, { name: `${organisation} ${offeringId}-${status}` });
    const users = lastNames.map((lastName, index) => ({
      email: `${lastName.toLowerCase().replace(/[^a-z0-9]/g, '')}.${status}.${index}.${offeringId}@gemeinde.example`,
      first_name: 'Kim',
      last_name: lastName,
      role: 'participant',
      organisation_id: organisationId,
      password_hash: 'not-used',
      active: true,
      locale: 'de',
    }));
    const rows = (await ctx.db('users').insert(users).returning(['id', 'email'])) as { id: number; email: string }[];
    const enrollments = (await ctx
      .db('enrollments')
      .insert(
        rows.map((row, index) => ({
          offering_id: offeringId,
          user_id: row.id,
          status,
          confirmed_at: status === 'confirmed' ? new Date() : null,
          requested_at: new Date(Date.UTC(2026, 0, 1, 8, 0, index)),
        })),
      )
      .returning('id')) as { id: number }[];
    return rows.map((row, index) => ({ ...row, enrollmentId: enrollments[index]!.id }));
  }

  /** The people of the list as "Last, First" in the order shown. */
  const namesIn = (html: string) => [...html.matchAll(/<th scope="row" class="kern-table__cell">([^<]*)<br>/g)].map((match) => textOf(match[1] ?? ''));
  const pageLinks = (html: string) => [...(/<nav class="app-pagination"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '').matchAll(/href="([^"]+)"/g)].map((match) => (match[1] ?? '').replace(/&amp;/g, '&'));

  it('shows fifty people a page in German name order, with the offering totals on every page', async () => {
    const offering = await createOffering(ctx.db, { title: 'Fachtag Kreis', capacity: 70 });
    const tricky = ['Özdemir', 'Ober', 'Zander', 'Ärztin', 'Arzt', 'becker', 'Bäcker'];
    const filler = Array.from({ length: 53 }, (_, index) => `Mustermann${String(index).padStart(2, '0')}`);
    await seat(offering.id, [...tricky, ...filler], 'confirmed');
    await seat(offering.id, ['Waage', 'Adler'], 'waitlisted');

    const first = await agent.get(list(offering.id));
    expect(first.status).toBe(200);
    const firstNames = namesIn(first.text);
    expect(firstNames).toHaveLength(50);
    // Umlauts sort with their base letter, case does not matter.
    expect(firstNames.slice(0, 6)).toEqual(['Arzt, Kim', 'Ärztin, Kim', 'Bäcker, Kim', 'becker, Kim', 'Mustermann00, Kim', 'Mustermann01, Kim']);
    const text = textOf(first.text);
    expect(text).toContain('60 von 70 Plätzen bestätigt · 2 auf der Warteliste · 0 offen');
    expect(text).toContain('Noch 10 Plätze frei.');
    expect(text).toContain('62 Ergebnisse');
    expect(text).toContain('Seite 1 von 2');
    expect(pageLinks(first.text)).toEqual([list(offering.id, '?page=2'), list(offering.id, '?page=2')]);

    const second = await agent.get(list(offering.id, '?page=2'));
    // The rest of the confirmed people, then the waitlist in the order seats were asked for.
    expect(namesIn(second.text)).toEqual([
      ...filler.slice(46).map((name) => `${name}, Kim`),
      'Ober, Kim',
      'Özdemir, Kim',
      'Zander, Kim',
      'Waage, Kim',
      'Adler, Kim',
    ]);
    expect(textOf(second.text)).toContain('Waage, Kim waage.waitlisted.0');
    expect(textOf(second.text)).toMatch(/Waage, Kim .*? Warteliste \(Platz 1\).*?Adler, Kim .*? Warteliste \(Platz 2\)/);
    expect(textOf(second.text)).toContain('60 von 70 Plätzen bestätigt · 2 auf der Warteliste · 0 offen');

    // A page past the end shows the last one; nonsense shows the first.
    expect(namesIn((await agent.get(list(offering.id, '?page=99'))).text)).toEqual(namesIn(second.text));
    expect(namesIn((await agent.get(list(offering.id, '?page=abc'))).text)).toEqual(firstNames);
  });

  it('narrows the list by status and by a search over name, e-mail and organisation, and keeps both in the form and the page links', async () => {
    const offering = await createOffering(ctx.db, { capacity: 100 });
    await seat(offering.id, Array.from({ length: 55 }, (_, index) => `Wartend${String(index).padStart(2, '0')}`), 'waitlisted');
    await seat(offering.id, ['Schneider', 'Schulz'], 'confirmed', 'Stadt Birkenau');
    await seat(offering.id, ['Schmidt'], 'cancelled');

    const waitlisted = await agent.get(list(offering.id, '?status=waitlisted'));
    expect(namesIn(waitlisted.text)).toHaveLength(50);
    expect(namesIn(waitlisted.text)[0]).toBe('Wartend00, Kim');
    expect(textOf(waitlisted.text)).toContain('55 Ergebnisse');
    expect(selectOptions(waitlisted.text, 'status').find((option) => option.selected)).toEqual({ value: 'waitlisted', label: 'Warteliste', selected: true });
    expect(pageLinks(waitlisted.text)).toContain(list(offering.id, '?status=waitlisted&page=2'));
    const secondPage = await agent.get(list(offering.id, '?status=waitlisted&page=2'));
    expect(namesIn(secondPage.text)).toEqual(['Wartend50, Kim', 'Wartend51, Kim', 'Wartend52, Kim', 'Wartend53, Kim', 'Wartend54, Kim']);
    expect(textOf(secondPage.text)).toContain('Warteliste (Platz 55)');

    // By organisation, then by part of a name within a status, by e-mail address.
    const byOrganisation = await agent.get(list(offering.id, `?q=${encodeURIComponent('birkenau')}`));
    expect(namesIn(byOrganisation.text)).toEqual(['Schneider, Kim', 'Schulz, Kim']);
    expect(inputValue(byOrganisation.text, 'q')).toBe('birkenau');
    expect(namesIn((await agent.get(list(offering.id, '?q=sch&status=cancelled'))).text)).toEqual(['Schmidt, Kim']);
    expect(namesIn((await agent.get(list(offering.id, '?q=kim+schulz'))).text)).toEqual(['Schulz, Kim']);
    expect(namesIn((await agent.get(list(offering.id, '?q=wartend07.waitlisted'))).text)).toEqual(['Wartend07, Kim']);
    // Wildcards are searched for literally.
    const nothing = await agent.get(list(offering.id, '?q=%25'));
    expect(namesIn(nothing.text)).toEqual([]);
    expect(textOf(nothing.text)).toContain('Keine Anmeldung passt zu diesem Filter.');
    // The totals stay those of the whole offering.
    expect(textOf(nothing.text)).toContain('2 von 100 Plätzen bestätigt · 55 auf der Warteliste · 0 offen');
  });

  it('returns to the same filter and page after cancelling, approving or moving a person', async () => {
    const programme = await createProgramme(ctx.db);
    const offering = await createOffering(ctx.db, { programmeId: programme.id, capacity: 100, requiresApproval: true });
    const target = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop Herbst' });
    const waiting = await seat(offering.id, Array.from({ length: 60 }, (_, index) => `Person${String(index).padStart(2, '0')}`), 'pending');
    const query = '?status=pending&q=person&page=2';
    const expected = list(offering.id, query);

    // The list's one action form carries the filter along.
    const page = await agent.get(list(offering.id, query));
    expect(namesIn(page.text)[0]).toBe('Person50, Kim');
    const approved = await submitForm(agent, list(offering.id, query), `/manage/enrollments/${waiting[50]!.enrollmentId}/approve`, { offeringId: String(offering.id), status: 'pending', q: 'person', page: '2' });
    expect([approved.status, approved.headers.location]).toEqual([303, expected]);
    const cancelled = await submitForm(agent, list(offering.id, query), `/manage/enrollments/${waiting[51]!.enrollmentId}/cancel`, { offeringId: String(offering.id), status: 'pending', q: 'person', page: '2' });
    expect([cancelled.status, cancelled.headers.location]).toEqual([303, expected]);
    expect(textOf((await agent.get(expected)).text)).toContain('Die Person wurde abgemeldet.');

    // The move link keeps the filter, and so does the way back.
    const moveLink = /href="([^"]+\/move[^"]*)" aria-label="Umbuchen: Kim Person52"/.exec((await agent.get(expected)).text)?.[1]?.replace(/&amp;/g, '&');
    expect(moveLink).toBe(`/manage/offerings/${offering.id}/enrollments/${waiting[52]!.enrollmentId}/move${query}`);
    const movePage = await agent.get(moveLink!);
    expect(movePage.text).toContain(`href="${expected.replace(/&/g, '&amp;')}"`);
    const moved = await submitForm(agent, moveLink!, moveLink!, { targetOfferingId: String(target.id) });
    expect([moved.status, moved.headers.location]).toEqual([303, expected]);
    expect(textOf((await agent.get(expected)).text)).toContain('Die Person wurde umgebucht und hat dort einen Platz.');
    expect(await ctx.db('enrollments').where({ offering_id: target.id }).count({ count: '*' }).first()).toEqual({ count: 1 });
  });

  it('answers 404 for a person of another offering and refuses participants and trainers the move page', async () => {
    const programme = await createProgramme(ctx.db);
    const offering = await createOffering(ctx.db, { programmeId: programme.id });
    const other = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop Herbst' });
    const [here] = await seat(offering.id, ['Hier'], 'confirmed');
    const [there] = await seat(other.id, ['Dort'], 'confirmed');
    const moveOf = (offeringId: number, enrollmentId: number) => `/manage/offerings/${offeringId}/enrollments/${enrollmentId}/move`;

    expect((await agent.get(moveOf(offering.id, here!.enrollmentId))).status).toBe(200);
    expect((await agent.get(moveOf(offering.id, there!.enrollmentId))).status).toBe(404);
    expect((await agent.get(moveOf(offering.id, 999999))).status).toBe(404);
    expect((await agent.get(moveOf(999999, here!.enrollmentId))).status).toBe(404);
    // Posting a person of another offering under this one's URL changes nothing.
    const wrongOffering = await submitForm(agent, moveOf(offering.id, here!.enrollmentId), moveOf(other.id, here!.enrollmentId), { targetOfferingId: String(other.id) });
    expect(wrongOffering.status).toBe(404);
    expect(await ctx.db('enrollments').where({ id: here!.enrollmentId }).first()).toMatchObject({ status: 'confirmed' });

    for (const role of ['participant', 'trainer'] as const) {
      const outsider = await loginAs(ctx.app, await createUser(ctx.db, { role }));
      expect((await outsider.get(moveOf(offering.id, here!.enrollmentId))).status).toBe(403);
      expect((await outsider.get(list(offering.id, '?q=hier'))).status).toBe(403);
    }
  });

  it('sends as many queries for 200 people as for 10, at most six per view, on a compact page', async () => {
    const small = await createOffering(ctx.db, { capacity: 300 });
    const large = await createOffering(ctx.db, { capacity: 300 });
    await seat(small.id, Array.from({ length: 8 }, (_, index) => `Klein${index}`), 'confirmed');
    await seat(small.id, ['Warte1', 'Warte2'], 'waitlisted');
    await seat(large.id, Array.from({ length: 180 }, (_, index) => `Gross${index}`), 'confirmed');
    await seat(large.id, Array.from({ length: 20 }, (_, index) => `Warte${index}`), 'waitlisted');
    await agent.get(list(small.id));

    const sizes: number[] = [];
    const view = (path: string) => countQueries(ctx.db, async () => {
      const response = await agent.get(path);
      expect(response.status).toBe(200);
      sizes.push(response.text.length);
    });
    const countSmall = await view(list(small.id));
    const countLarge = await view(list(large.id));
    expect(countLarge).toBe(countSmall);
    expect(countLarge).toBeLessThanOrEqual(6);
    // Filtered and searched, on a later page: no more.
    expect(await view(list(large.id, '?status=waitlisted&q=warte&page=1'))).toBe(countSmall);
    expect(await view(list(large.id, '?page=4'))).toBe(countSmall);
    // Fifty rows of a compact table, not hundreds of rows each with a list of offerings.
    expect(sizes[1]).toBeLessThan(80_000);

    const [person] = await ctx.db('enrollments').where({ offering_id: large.id }).select('id');
    const moveCount = await view(`/manage/offerings/${large.id}/enrollments/${(person as { id: number }).id}/move`);
    expect(moveCount).toBeLessThanOrEqual(6);
  });
});
