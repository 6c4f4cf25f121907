import { recordAudit } from '../../src/audit/audit.service';
import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { countQueries } from '../support/database';
import { createUser, type TestUser } from '../support/factories';
import { decodeEntities, fieldErrorText, inputValue, selectOptions } from '../support/html';
import { loginAs, textOf, type Agent } from '../support/http';

/** The entry ids a page shows, top to bottom. */
const entryIds = (html: string) => [...html.matchAll(/data-entry="(\d+)"/g)].map((match) => Number(match[1]));
/** Where a paging link of the page leads (undefined: the page has no such link). */
const linkNamed = (html: string, text: string) => {
  const match = new RegExp(`<a class="kern-link" rel="(?:next|prev)" href="([^"]+)">${text}</a>`).exec(html);
  return match?.[1] ? decodeEntities(match[1]) : undefined;
};
/** The text of the row of one entry. */
const rowText = (html: string, id: number) => textOf(new RegExp(`<tr class="kern-table__row" data-entry="${id}">[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '');

async function insertEntries(ctx: ReturnType<typeof useTestApp>, count: number, row: (index: number) => Record<string, unknown>) {
  const rows = Array.from({ length: count }, (_, index) => ({ action: 'offering.updated', subject_type: 'offering', subject_id: '1', ip: '10.1.2.3', ...row(index) }));
  for (let start = 0; start < rows.length; start += 500) await ctx.db('audit_events').insert(rows.slice(start, start + 500));
}

describe('audit trail page /audit', () => {
  const ctx = useTestApp();
  let admin: TestUser;
  let coordinator: TestUser;
  let agent: Agent;

  beforeEach(async () => {
    admin = await createUser(ctx.db, { role: 'admin', firstName: 'Ada', lastName: 'Verwalterin' });
    coordinator = await createUser(ctx.db, { role: 'coordinator', firstName: 'Katrin', lastName: 'Mühlberg', email: 'k.muehlberg@landkreis.example' });
    agent = await loginAs(ctx.app, admin);
  });

  it('shows each entry with German time, the actor by name, a German label, a linked subject, the change as "old → new" and only part of the IP', async () => {
    await ctx.db('audit_events').insert({
      occurred_at: new Date('2026-11-25T08:30:00Z'),
      actor_user_id: coordinator.id,
      action: 'offering.capacity_changed',
      subject_type: 'offering',
      subject_id: '42',
      before: JSON.stringify({ capacity: 12 }),
      after: JSON.stringify({ capacity: 20 }),
      ip: '192.168.17.23',
    });
    const [capacity] = await ctx.db('audit_events').where({ action: 'offering.capacity_changed' }).pluck('id');
    await recordAudit(ctx.db, { userId: admin.id, ip: '2001:db8:85a3::8a2e:370:7334', requestId: null }, { action: 'user.role_changed', subjectType: 'user', subjectId: coordinator.id, before: { role: 'participant' }, after: { role: 'coordinator' } });
    await recordAudit(ctx.db, { userId: 999_999, ip: null, requestId: null }, { action: 'privacy.data_exported', subjectType: 'excuse', subjectId: 7, after: { template: { title: 'Zertifikat' }, published: true } });
    const [roleChange, unknown] = await ctx.db('audit_events').whereIn('action', ['user.role_changed', 'privacy.data_exported']).orderBy('id').pluck('id');

    const page = await agent.get('/audit');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1 class="kern-heading-large">Protokoll</h1>');
    expect(textOf(page.text)).toContain('nur die ersten beiden Teile angezeigt');
    expect(page.text).toContain('href="/audit"');

    expect(rowText(page.text, capacity)).toBe('25.11.2026, 09:30 Uhr Katrin Mühlberg Plätze geändert Durchgang Nr. 42 Plätze: 12 → geändert in 20 192.168.*.*');
    expect(page.text).toContain('<a class="kern-link" href="/manage/offerings/42">Durchgang Nr. 42</a>');
    expect(rowText(page.text, roleChange!)).toContain(`Ada Verwalterin Rolle geändert Konto Nr. ${coordinator.id} Rolle: participant → geändert in coordinator 2001:db8:*`);
    expect(page.text).toContain(`<a class="kern-link" href="/admin/users/${coordinator.id}">Konto Nr. ${coordinator.id}</a>`);
    // No message for the action, no account any more, nested values: readable, never JSON.
    expect(rowText(page.text, unknown!)).toContain('Konto Nr. 999999 (nicht mehr vorhanden) Privacy data exported Entschuldigung Nr. 7 Template title: Zertifikat Published: ja');
    expect(page.text).not.toContain('192.168.17.23');
    expect(page.text).not.toContain('{&#34;');
    expect(page.text).not.toContain('8a2e');
    // Newest first; the admin's own login is recorded too.
    expect(entryIds(page.text)[0]).toBe(unknown);
    expect(textOf(page.text)).toContain('Angemeldet (Login)');
  });

  it('narrows the list by action, actor, subject and period, keeping the chosen values in the form', async () => {
    const at = (iso: string) => new Date(iso);
    await insertEntries(ctx, 1, () => ({ actor_user_id: coordinator.id, action: 'offering.published', subject_id: '5', occurred_at: at('2026-03-01T10:00:00Z') }));
    await insertEntries(ctx, 1, () => ({ actor_user_id: coordinator.id, action: 'offering.cancelled', subject_id: '5', occurred_at: at('2026-03-31T22:30:00Z') })); // 00:30 on 1 April in Berlin (summer time)
    await insertEntries(ctx, 1, () => ({ actor_user_id: admin.id, action: 'offering.published', subject_id: '6', occurred_at: at('2026-03-31T21:30:00Z') })); // 23:30 on 31 March in Berlin
    const ids = await ctx.db('audit_events').whereNot({ action: 'login' }).orderBy('id').pluck('id');
    const [publishedByCoordinator, cancelled, publishedByAdmin] = ids as number[];

    const byAction = await agent.get('/audit?action=offering.published');
    expect(entryIds(byAction.text)).toEqual([publishedByAdmin, publishedByCoordinator]);
    expect(selectOptions(byAction.text, 'action').find((option) => option.selected)).toEqual({ value: 'offering.published', label: 'Durchgang veröffentlicht', selected: true });

    const byActor = await agent.get('/audit?actor=K.Muehlberg%40landkreis.example');
    expect(entryIds(byActor.text)).toEqual([cancelled, publishedByCoordinator]);
    expect(inputValue(byActor.text, 'actor')).toBe('K.Muehlberg@landkreis.example');

    const bySubject = await agent.get('/audit?subjectType=offering&subjectId=6');
    expect(entryIds(bySubject.text)).toEqual([publishedByAdmin]);
    expect(inputValue(bySubject.text, 'subjectId')).toBe('6');
    expect(selectOptions(bySubject.text, 'subjectType').find((option) => option.selected)?.label).toBe('Durchgang');

    // The period is read in Berlin time: 31 March ends at Berlin midnight, not at UTC midnight.
    const march = await agent.get('/audit?from=2026-03-01&to=2026-03-31');
    expect(entryIds(march.text)).toEqual([publishedByAdmin, publishedByCoordinator]);
    expect(inputValue(march.text, 'from')).toBe('2026-03-01');
    expect(inputValue(march.text, 'to')).toBe('2026-03-31');
    const april = await agent.get('/audit?from=2026-04-01&to=2026-04-01&actor=k.muehlberg%40landkreis.example&action=offering.cancelled');
    expect(entryIds(april.text)).toEqual([cancelled]);

    const none = await agent.get('/audit?action=offering.cancelled&actor=' + encodeURIComponent(admin.email));
    expect(entryIds(none.text)).toEqual([]);
    expect(textOf(none.text)).toContain('Keine Einträge für diese Auswahl.');
  });

  it('re-renders the filter with German messages and the input when it cannot be used', async () => {
    const unknownActor = await agent.get('/audit?actor=niemand%40gemeinde.example&action=login');
    expect(unknownActor.status).toBe(422);
    expect(fieldErrorText(unknownActor.text, 'actor')).toBe('Zu dieser E-Mail-Adresse gibt es kein Konto.');
    expect(inputValue(unknownActor.text, 'actor')).toBe('niemand@gemeinde.example');

    const bad = await agent.get('/audit?from=2026-02-30&to=2026-01-01&subjectId=12');
    expect(bad.status).toBe(422);
    expect(fieldErrorText(bad.text, 'from')).toBe('Bitte geben Sie ein gültiges Datum ein, z. B. 25.11.2026.');
    expect(fieldErrorText(bad.text, 'subjectType')).toBe('Bitte wählen Sie die Art dazu, zu der die Nummer gehört.');
    expect(inputValue(bad.text, 'from')).toBe('2026-02-30');
    expect(entryIds(bad.text)).toEqual([]);
  });

  it('walks every entry exactly once with "Ältere Einträge" and back with "Neuere Einträge", keeping the filter', async () => {
    await insertEntries(ctx, 123, (index) => ({ actor_user_id: coordinator.id, subject_id: String(index) }));
    await insertEntries(ctx, 20, () => ({ actor_user_id: admin.id }));
    const expected = await ctx.db('audit_events').where({ actor_user_id: coordinator.id }).orderBy('id', 'desc').pluck('id');
    expect(expected).toHaveLength(123);

    const pages: number[][] = [];
    let url: string | undefined = `/audit?actor=${encodeURIComponent(coordinator.email)}`;
    const urls: string[] = [];
    while (url) {
      urls.push(url);
      const page = await agent.get(url);
      expect(page.status).toBe(200);
      pages.push(entryIds(page.text));
      url = linkNamed(page.text, 'Ältere Einträge');
      if (url) expect(url).toContain(`actor=${encodeURIComponent(coordinator.email)}`);
      expect(linkNamed(page.text, 'Neuere Einträge') === undefined).toBe(pages.length === 1);
    }
    expect(pages.map((ids) => ids.length)).toEqual([50, 50, 23]);
    expect(pages.flat()).toEqual(expected);

    // Back from the last page: the same pages, newest page without a "newer" link.
    let back: string | undefined = linkNamed((await agent.get(urls[2]!)).text, 'Neuere Einträge');
    const seen: number[][] = [];
    while (back) {
      const page = await agent.get(back);
      seen.push(entryIds(page.text));
      back = linkNamed(page.text, 'Neuere Einträge');
    }
    expect(seen).toEqual([pages[1], pages[0]]);
  });

  it('costs the same few statements for 10 and 500 entries, with and without filters', async () => {
    const filtered = `/audit?action=offering.updated&actor=${encodeURIComponent(coordinator.email)}&subjectType=offering&subjectId=1&from=2026-01-01&to=2030-12-31`;
    const count = async (url: string) => countQueries(ctx.db, () => agent.get(url));
    await insertEntries(ctx, 10, (index) => ({ actor_user_id: index % 2 ? coordinator.id : admin.id }));
    await agent.get('/audit'); // the session's first request after login saves it once
    const small = [await count('/audit'), await count(filtered)];
    await insertEntries(ctx, 490, (index) => ({ actor_user_id: index % 2 ? coordinator.id : admin.id }));
    const firstPage = await agent.get('/audit');
    const olderUrl = linkNamed(firstPage.text, 'Ältere Einträge')!;
    const newerUrl = linkNamed((await agent.get(olderUrl)).text, 'Neuere Einträge')!;
    const large = [await count('/audit'), await count(filtered)];
    expect(large).toEqual(small);
    // Session; page; names. The actor filter adds the address look-up (two statements).
    expect(large).toEqual([3, 5]);
    expect(await count(olderUrl)).toBeLessThanOrEqual(6);
    expect(await count(newerUrl)).toBeLessThanOrEqual(6);
    expect(Math.max(...large)).toBeLessThanOrEqual(6);
  });

  it('keeps its first address /admin/audit as a permanent redirect with the filter, and shows no page to participants', async () => {
    const moved = await agent.get('/admin/audit?action=login&from=2026-01-01');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('/audit?action=login&from=2026-01-01');
    expect((await agent.get('/admin/audit')).headers.location).toBe('/audit');
    const participant = await createUser(ctx.db);
    const participantAgent = await loginAs(ctx.app, participant);
    expect((await participantAgent.get('/audit')).status).toBe(403);
    expect((await participantAgent.get('/')).text).not.toContain('href="/audit"');
    expect((await (await loginAs(ctx.app, coordinator)).get('/')).text).toContain('href="/audit"');
  });
});

describe('audit trail for coordination: the entries about programmes, and the offering filter', () => {
  const ctx = useTestApp();
  let admin: TestUser;
  let coordinator: TestUser;
  let person: TestUser;
  /** Entry ids by what they are about. */
  let ids: Record<string, number>;
  let springTitle: string;

  async function entry(action: string, subjectType: string | null, subjectId: string | number | null, extra: Record<string, unknown> = {}): Promise<number> {
    const [row] = await ctx.db('audit_events')
      .insert({ action, subject_type: subjectType, subject_id: subjectId === null ? null : String(subjectId), actor_user_id: admin.id, ip: '10.1.2.3', ...extra })
      .returning('id');
    return (row as { id: number }).id;
  }

  beforeEach(async () => {
    admin = await createUser(ctx.db, { role: 'admin', firstName: 'Ada', lastName: 'Verwalterin' });
    coordinator = await createUser(ctx.db, { role: 'coordinator', firstName: 'Katrin', lastName: 'Mühlberg' });
    person = await createUser(ctx.db, { firstName: 'Jörg', lastName: 'Überall' });
    const series = await createProgramme(ctx.db, { kind: 'series', modules: 1 });
    const spring = await createOffering(ctx.db, { programmeId: series.id, title: 'Durchgang Frühjahr Gotha', moduleIds: [series.modules[0]!.id] });
    const autumn = await createOffering(ctx.db, { programmeId: series.id, title: 'Durchgang Herbst Eisenach' });
    springTitle = spring.title;
    const springSession = spring.sessionIds[0]!;
    const [enrollment] = await ctx.db('enrollments').insert({ offering_id: spring.id, user_id: person.id, status: 'confirmed' }).returning('id');
    const [excuse] = await ctx.db('excuses').insert({ session_id: springSession, user_id: person.id, reason: 'Krank' }).returning('id');
    const [material] = await ctx.db('materials').insert({ session_id: springSession, title: 'Folien', visibility: 'enrolled', created_by: admin.id }).returning('id');
    const [moduleMaterial] = await ctx.db('materials').insert({ module_id: series.modules[0]!.id, title: 'Reader', visibility: 'enrolled', created_by: admin.id }).returning('id');
    ids = {
      programme: await entry('programme.updated', 'programme', series.id),
      module: await entry('module.updated', 'module', series.modules[0]!.id),
      spring: await entry('offering.updated', 'offering', spring.id),
      springSession: await entry('session.updated', 'session', springSession),
      attendance: await entry('attendance.recorded', 'attendance', `${springSession}:${person.id}`),
      excuse: await entry('excuse.accepted', 'excuse', (excuse as { id: number }).id),
      enrollment: await entry('enrollment.created', 'enrollment', (enrollment as { id: number }).id),
      material: await entry('material.created', 'material', (material as { id: number }).id),
      moduleMaterial: await entry('material.created', 'material', (moduleMaterial as { id: number }).id),
      // The session is gone: the entry's own offeringId still places it.
      deletedSession: await entry('session.deleted', 'session', 987654, { before: JSON.stringify({ offeringId: spring.id }) }),
      autumn: await entry('offering.published', 'offering', autumn.id),
      autumnSession: await entry('session.created', 'session', autumn.sessionIds[0]!, { after: JSON.stringify({ offeringId: autumn.id }) }),
      login: await entry('login', 'user', person.id),
      loginFailed: await entry('login.failed', null, null),
      role: await entry('user.role_changed', 'user', coordinator.id, { before: JSON.stringify({ role: 'participant' }), after: JSON.stringify({ role: 'coordinator' }) }),
      organisation: await entry('organisation.created', 'organisation', 1),
      anonymised: await entry('privacy.person_anonymised', 'user', person.id),
      retention: await entry('retention.applied', 'retention_run', 1),
      // An enrollment id that names no enrollment and no offering: no programme, not shown to coordination.
      strayEnrollment: await entry('enrollment.cancelled', 'enrollment', 999999),
    };
  });

  const programmeEntries = () => ['programme', 'module', 'spring', 'springSession', 'attendance', 'excuse', 'enrollment', 'material', 'moduleMaterial', 'deletedSession', 'autumn', 'autumnSession'].map((key) => ids[key]!).reverse();

  it('shows a coordinator every entry about programmes, offerings, sessions and their records, and none about accounts, logins, roles or privacy', async () => {
    const agent = await loginAs(ctx.app, coordinator);
    const page = await agent.get('/audit');
    expect(page.status).toBe(200);
    expect(textOf(page.text)).toContain('Einträge zu Konten, Logins und Rollen sieht nur die Administration');
    expect(entryIds(page.text)).toEqual(programmeEntries());
    // Not even by asking for them.
    expect(entryIds((await agent.get('/audit?subjectType=user')).text)).toEqual([]);
    expect(entryIds((await agent.get('/audit?action=login')).text)).toEqual([]);
    expect(entryIds((await agent.get(`/audit?subjectType=user&subjectId=${coordinator.id}`)).text)).toEqual([]);

    // Administration still sees everything, its own logins included.
    const adminPage = await (await loginAs(ctx.app, admin)).get('/audit');
    const adminIds = entryIds(adminPage.text);
    for (const key of Object.keys(ids)) expect(adminIds).toContain(ids[key]);
    expect(textOf(adminPage.text)).not.toContain('sieht nur die Administration');
  });

  it('narrows to one offering by number or by part of its title, for coordination and administration alike', async () => {
    const spring = ['spring', 'springSession', 'attendance', 'excuse', 'enrollment', 'material', 'deletedSession'].map((key) => ids[key]!).reverse();
    const springId = (await ctx.db('offerings').where({ title: springTitle }).first('id')).id as number;
    for (const user of [coordinator, admin]) {
      const agent = await loginAs(ctx.app, user);
      const byNumber = await agent.get(`/audit?offering=${springId}`);
      expect(entryIds(byNumber.text)).toEqual(spring);
      expect(inputValue(byNumber.text, 'offering')).toBe(String(springId));
      expect(entryIds((await agent.get(`/audit?offering=${encodeURIComponent('frühjahr')}`)).text)).toEqual(spring);
      expect(entryIds((await agent.get(`/audit?offering=${encodeURIComponent('Herbst')}&action=session.created`)).text)).toEqual([ids.autumnSession]);
      // % is a letter in the search, not a wildcard.
      expect(entryIds((await agent.get('/audit?offering=%25')).text)).toEqual([]);
    }
    const tooLong = await (await loginAs(ctx.app, coordinator)).get(`/audit?offering=${'x'.repeat(201)}`);
    expect(tooLong.status).toBe(422);
    expect(fieldErrorText(tooLong.text, 'offering')).toBe('Bitte geben Sie höchstens 200 Zeichen ein.');
  });

  it('costs a coordinator the same few statements for a short and a long trail, with and without the offering filter', async () => {
    const agent = await loginAs(ctx.app, coordinator);
    const count = async (url: string) => countQueries(ctx.db, () => agent.get(url));
    const filtered = `/audit?offering=${encodeURIComponent('Frühjahr')}&action=offering.updated&from=2020-01-01`;
    await agent.get('/audit');
    const small = [await count('/audit'), await count(filtered)];
    const rows = Array.from({ length: 600 }, (_, index) => ({ action: index % 2 ? 'login' : 'programme.updated', subject_type: index % 2 ? 'user' : 'programme', subject_id: String(index % 2 ? person.id : ids.programme), actor_user_id: admin.id }));
    await ctx.db('audit_events').insert(rows);
    const large = [await count('/audit'), await count(filtered)];
    expect(large).toEqual(small);
    expect(Math.max(...large)).toBeLessThanOrEqual(6);
    const first = await agent.get('/audit');
    expect(entryIds(first.text)).toHaveLength(50);
    expect(await count(linkNamed(first.text, 'Ältere Einträge')!)).toBeLessThanOrEqual(6);
  });
});
