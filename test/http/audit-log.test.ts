import { recordAudit } from '../../src/audit/audit.service';
import { useTestApp } from '../support/app';
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

describe('audit trail page /admin/audit', () => {
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

    const page = await agent.get('/admin/audit');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1 class="kern-heading-large">Protokoll</h1>');
    expect(textOf(page.text)).toContain('nur die ersten beiden Teile angezeigt');
    expect(page.text).toContain('href="/admin/audit"');

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

    const byAction = await agent.get('/admin/audit?action=offering.published');
    expect(entryIds(byAction.text)).toEqual([publishedByAdmin, publishedByCoordinator]);
    expect(selectOptions(byAction.text, 'action').find((option) => option.selected)).toEqual({ value: 'offering.published', label: 'Durchgang veröffentlicht', selected: true });

    const byActor = await agent.get('/admin/audit?actor=K.Muehlberg%40landkreis.example');
    expect(entryIds(byActor.text)).toEqual([cancelled, publishedByCoordinator]);
    expect(inputValue(byActor.text, 'actor')).toBe('K.Muehlberg@landkreis.example');

    const bySubject = await agent.get('/admin/audit?subjectType=offering&subjectId=6');
    expect(entryIds(bySubject.text)).toEqual([publishedByAdmin]);
    expect(inputValue(bySubject.text, 'subjectId')).toBe('6');
    expect(selectOptions(bySubject.text, 'subjectType').find((option) => option.selected)?.label).toBe('Durchgang');

    // The period is read in Berlin time: 31 March ends at Berlin midnight, not at UTC midnight.
    const march = await agent.get('/admin/audit?from=2026-03-01&to=2026-03-31');
    expect(entryIds(march.text)).toEqual([publishedByAdmin, publishedByCoordinator]);
    expect(inputValue(march.text, 'from')).toBe('2026-03-01');
    expect(inputValue(march.text, 'to')).toBe('2026-03-31');
    const april = await agent.get('/admin/audit?from=2026-04-01&to=2026-04-01&actor=k.muehlberg%40landkreis.example&action=offering.cancelled');
    expect(entryIds(april.text)).toEqual([cancelled]);

    const none = await agent.get('/admin/audit?action=offering.cancelled&actor=' + encodeURIComponent(admin.email));
    expect(entryIds(none.text)).toEqual([]);
    expect(textOf(none.text)).toContain('Keine Einträge für diese Auswahl.');
  });

  it('re-renders the filter with German messages and the input when it cannot be used', async () => {
    const unknownActor = await agent.get('/admin/audit?actor=niemand%40gemeinde.example&action=login');
    expect(unknownActor.status).toBe(422);
    expect(fieldErrorText(unknownActor.text, 'actor')).toBe('Zu dieser E-Mail-Adresse gibt es kein Konto.');
    expect(inputValue(unknownActor.text, 'actor')).toBe('niemand@gemeinde.example');

    const bad = await agent.get('/admin/audit?from=2026-02-30&to=2026-01-01&subjectId=12');
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
    let url: string | undefined = `/admin/audit?actor=${encodeURIComponent(coordinator.email)}`;
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
    const filtered = `/admin/audit?action=offering.updated&actor=${encodeURIComponent(coordinator.email)}&subjectType=offering&subjectId=1&from=2026-01-01&to=2030-12-31`;
    const count = async (url: string) => countQueries(ctx.db, () => agent.get(url));
    await insertEntries(ctx, 10, (index) => ({ actor_user_id: index % 2 ? coordinator.id : admin.id }));
    await agent.get('/admin/audit'); // the session's first request after login saves it once
    const small = [await count('/admin/audit'), await count(filtered)];
    await insertEntries(ctx, 490, (index) => ({ actor_user_id: index % 2 ? coordinator.id : admin.id }));
    const firstPage = await agent.get('/admin/audit');
    const olderUrl = linkNamed(firstPage.text, 'Ältere Einträge')!;
    const newerUrl = linkNamed((await agent.get(olderUrl)).text, 'Neuere Einträge')!;
    const large = [await count('/admin/audit'), await count(filtered)];
    expect(large).toEqual(small);
    // Session; page; names. The actor filter adds the address look-up (two statements).
    expect(large).toEqual([3, 5]);
    expect(await count(olderUrl)).toBeLessThanOrEqual(6);
    expect(await count(newerUrl)).toBeLessThanOrEqual(6);
    expect(Math.max(...large)).toBeLessThanOrEqual(6);
  });

  it('is for administration only', async () => {
    const coordinatorAgent = await loginAs(ctx.app, coordinator);
    expect((await coordinatorAgent.get('/admin/audit')).status).toBe(403);
    const participant = await createUser(ctx.db);
    expect((await (await loginAs(ctx.app, participant)).get('/admin/audit')).status).toBe(403);
    expect((await coordinatorAgent.get('/')).text).not.toContain('href="/admin/audit"');
  });
});
