import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createOrganisation, createUser } from '../support/factories';
import { binaryParser, csrfTokenIn, loginAs, textOf, type Agent } from '../support/http';
import { readPdf } from '../support/pdf';

/** The coordinator's certificate page at the size of a county: paged, filtered, searched; bulk actions for the whole offering. */
describe('certificates of a large offering', () => {
  const ctx = useTestApp();

  /**
   * A past series cohort: `people` confirmed participants named "Person001 Nachname001"…;
   * those for whom `completes(index)` is true attended all five modules, the others two.
   */
  async function cohort(people: number, completes: (index: number) => boolean, extraNames: [string, string][] = []) {
    const programme = await createProgramme(ctx.db, { kind: 'series' });
    const organisation = await createOrganisation(ctx.db);
    const offering = await createOffering(ctx.db, { programmeId: programme.id, title: 'Durchgang Herbst', startsInDays: -80, registrationOpensInDays: -120, sessions: 5, moduleIds: programme.modules.map((module) => module.id), capacity: 1000 });
    const names: [string, string][] = [...Array.from({ length: people }, (_, index): [string, string] => [`Person${String(index).padStart(3, '0')}`, `Nachname${String(index).padStart(3, '0')}`]), ...extraNames];
    const users: { id: number }[] = await ctx.db('users')
      .insert(names.map(([first, last], index) => ({ email: `teilnahme${offering.id}-${index}@gemeinde.example`, first_name: first, last_name: last, role: 'participant', organisation_id: organisation.id, password_hash: 'unused', email_verified_at: new Date() })))
      .returning('id');
    await ctx.db('enrollments').insert(users.map((user) => ({ offering_id: offering.id, user_id: user.id, status: 'confirmed', confirmed_at: new Date() })));
    const records = users.flatMap((user, index) => offering.sessionIds.slice(0, completes(index) ? 5 : 2).map((sessionId) => ({ session_id: sessionId, user_id: user.id, status: 'present', source: 'roll_call' })));
    await ctx.db('attendance_records').insert(records);
    return { offering, users };
  }

  async function coordinator(): Promise<Agent> {
    return loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
  }

  const pageOf = (agent: Agent, offeringId: number, query = '') => agent.get(`/manage/offerings/${offeringId}/certificates${query}`);

  async function issueAll(agent: Agent, offeringId: number, query = '') {
    const page = await pageOf(agent, offeringId, query);
    return agent.post(`/manage/offerings/${offeringId}/certificates`).type('form').send({ all: 'yes', _csrf: csrfTokenIn(page.text) });
  }

  /** The names in the table, in the order shown. */
  const namesIn = (html: string) => [...html.matchAll(/<th scope="row" class="kern-table__cell">([^<]+)/g)].map((match) => match[1]!.trim());

  it('shows 50 people a page in German name order, with page links and the last page for a page past the end', async () => {
    const { offering } = await cohort(58, () => true, [['Ömer', 'Özdemir'], ['Anna', 'Ärztin'], ['Zoe', 'arzt']]);
    const agent = await coordinator();

    const first = await pageOf(agent, offering.id).expect(200);
    const firstNames = namesIn(first.text);
    expect(firstNames).toHaveLength(50);
    // "arzt" and "Ärztin" come first (case and umlauts ignored), "Özdemir" among the O's, before "P".
    expect(firstNames.slice(0, 2)).toEqual(['arzt, Zoe', 'Ärztin, Anna']);
    expect(firstNames[2]).toBe('Nachname000, Person000');
    expect(textOf(first.text)).toContain('Seite 1 von 2');
    expect(textOf(first.text)).toContain('61 Ergebnisse');
    expect(first.text).toContain(`href="/manage/offerings/${offering.id}/certificates?page=2"`);

    const second = namesIn((await pageOf(agent, offering.id, '?page=2').expect(200)).text);
    expect(second).toHaveLength(11);
    expect(second.slice(-2)).toEqual(['Nachname057, Person057', 'Özdemir, Ömer']);
    expect(new Set([...firstNames, ...second]).size).toBe(61);

    expect(namesIn((await pageOf(agent, offering.id, '?page=999').expect(200)).text)).toEqual(second);
    expect(namesIn((await pageOf(agent, offering.id, '?page=abc').expect(200)).text)).toEqual(firstNames);
  });

  it('filters by certificate state and searches by name, keeping the filter in the page links', async () => {
    // Every third person did not complete; of the others, some get a certificate, one of which is revoked.
    const { offering, users } = await cohort(70, (index) => index % 3 !== 0);
    const agent = await coordinator();
    const completedCount = 70 - Math.ceil(70 / 3);
    expect(textOf((await pageOf(agent, offering.id)).text)).toContain(`${completedCount} berechtigt, noch nicht ausgestellt · 0 gültig ausgestellt · 0 widerrufen`);

    // Issue for three people one by one, then revoke one of them.
    const page = await pageOf(agent, offering.id);
    for (const index of [1, 2, 4]) {
      const issued = await agent.post(`/manage/offerings/${offering.id}/certificates`).type('form').send({ userId: String(users[index]!.id), _csrf: csrfTokenIn(page.text) });
      expect(issued.status).toBe(303);
    }
    const revoked = await ctx.db('certificates').where('user_id', users[4]!.id).first('id');
    const form = await agent.get(`/manage/certificates/${revoked.id}/revoke`);
    expect((await agent.post(`/manage/certificates/${revoked.id}/revoke`).type('form').send({ reason: 'Falsche Person', _csrf: csrfTokenIn(form.text) })).status).toBe(303);

    const all = textOf((await pageOf(agent, offering.id)).text);
    expect(all).toContain(`${completedCount - 2} berechtigt, noch nicht ausgestellt · 2 gültig ausgestellt · 1 widerrufen`);

    const issued = await pageOf(agent, offering.id, '?state=issued');
    expect(namesIn(issued.text)).toEqual(['Nachname001, Person001', 'Nachname002, Person002']);
    expect(issued.text).toMatch(/<option value="issued" selected>/);

    const withdrawn = await pageOf(agent, offering.id, '?state=revoked');
    expect(namesIn(withdrawn.text)).toEqual(['Nachname004, Person004']);
    expect(textOf(withdrawn.text)).toContain('widerrufen');

    const eligible = await pageOf(agent, offering.id, '?state=eligible');
    const eligibleNames = namesIn(eligible.text);
    expect(eligibleNames).toHaveLength(completedCount - 2);
    expect(eligibleNames).not.toContain('Nachname000, Person000');
    expect(eligibleNames).not.toContain('Nachname001, Person001');
    expect(eligibleNames).toContain('Nachname004, Person004');

    // Search: part of a name, any case; with a state it narrows further; the page links keep both.
    expect(namesIn((await pageOf(agent, offering.id, '?q=nachname06')).text)).toHaveLength(10);
    expect(namesIn((await pageOf(agent, offering.id, '?q=person 012')).text)).toEqual(['Nachname012, Person012']);
    expect(namesIn((await pageOf(agent, offering.id, '?q=Nachname00&state=eligible')).text)).toEqual(['Nachname004, Person004', 'Nachname005, Person005', 'Nachname007, Person007', 'Nachname008, Person008']);
    expect(textOf((await pageOf(agent, offering.id, '?q=100%25')).text)).toContain('Niemand in diesem Angebot passt zu Suche und Filter.');
    const paged = await pageOf(agent, offering.id, '?q=Nachname&state=all');
    expect(paged.text).toContain(`href="/manage/offerings/${offering.id}/certificates?q=Nachname&amp;page=2"`);
    // An unknown state shows everybody rather than an error: nothing is changed by a filter.
    expect(namesIn((await pageOf(agent, offering.id, '?state=gestohlen')).text)).toHaveLength(50);
  });

  it('issues, prints and zips the whole offering from any page, not only the people shown', async () => {
    const { offering } = await cohort(56, (index) => index !== 10);
    const agent = await coordinator();
    expect(textOf((await pageOf(agent, offering.id, '?page=2&state=eligible')).text)).toContain('Zertifikate für alle 55 berechtigten Personen ausstellen');

    expect((await issueAll(agent, offering.id, '?page=2&q=Nachname05')).status).toBe(303);
    expect(await ctx.db('certificates').where({ offering_id: offering.id, status: 'valid' }).count('* as count').first()).toEqual({ count: 55 });
    // Audited set-based: one entry per batch of 50, together listing every certificate once.
    const audit = await ctx.db('audit_events').where({ action: 'certificates.issued', subject_type: 'offering', subject_id: String(offering.id) }).select('after');
    expect(audit).toHaveLength(2);
    const listed = audit.flatMap((entry) => (entry.after as { certificates: { serial: string }[] }).certificates.map((certificate) => certificate.serial));
    expect(listed.sort()).toEqual((await ctx.db('certificates').where({ offering_id: offering.id }).pluck('serial')).sort());
    const after = textOf((await pageOf(agent, offering.id)).text);
    expect(after).toContain('55 Zertifikate ausgestellt (0 waren bereits ausgestellt).');
    expect(after).toContain('0 berechtigt, noch nicht ausgestellt · 55 gültig ausgestellt · 0 widerrufen');

    const pdf = await agent.get(`/manage/offerings/${offering.id}/certificates.pdf`).buffer(true).parse(binaryParser);
    const read = await readPdf(pdf.body as Buffer);
    expect(read.pages).toBe(55);
    expect(read.text).toContain('Person055 Nachname055');
    expect(read.text).not.toContain('Person010 Nachname010');

    const zip = (await agent.get(`/manage/offerings/${offering.id}/certificates.zip`).buffer(true).parse(binaryParser)).body as Buffer;
    const serials = await ctx.db('certificates').where({ offering_id: offering.id }).pluck('serial');
    for (const serial of serials) expect(zip.toString('latin1')).toContain(`${serial}_`);
  });

  it('sends as many SQL statements for 120 people with certificates as for 3, at most six', async () => {
    const agent = await coordinator();
    const small = await cohort(3, (index) => index !== 0);
    const large = await cohort(120, (index) => index % 10 !== 0);
    for (const { offering } of [small, large]) expect((await issueAll(agent, offering.id)).status).toBe(303);
    // History on the large offering: a revoked certificate and a correction.
    const [first, second] = await ctx.db('certificates').where('offering_id', large.offering.id).orderBy('id').limit(2).pluck('id');
    await ctx.db('certificates').where('id', first).update({ status: 'revoked', revoked_at: new Date(), revocation_reason: 'Test' });
    const page = await pageOf(agent, large.offering.id);
    expect((await agent.post(`/manage/certificates/${second}/reissue`).type('form').send({ _csrf: csrfTokenIn(page.text) })).status).toBe(303);

    for (const { offering } of [small, large]) await pageOf(agent, offering.id).expect(200);
    let smallText = '';
    let largeText = '';
    const countSmall = await countQueries(ctx.db, async () => (smallText = (await pageOf(agent, small.offering.id).expect(200)).text));
    const countLarge = await countQueries(ctx.db, async () => (largeText = (await pageOf(agent, large.offering.id, '?state=all&q=Nach&page=2').expect(200)).text));
    expect(textOf(smallText)).toContain('0 berechtigt, noch nicht ausgestellt · 2 gültig ausgestellt · 0 widerrufen');
    expect(textOf(largeText)).toContain('1 berechtigt, noch nicht ausgestellt · 107 gültig ausgestellt · 1 widerrufen');
    expect(namesIn(largeText)).toHaveLength(50);
    expect(countLarge).toBe(countSmall);
    expect(countLarge).toBeLessThanOrEqual(6);
  });
});
