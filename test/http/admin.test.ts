import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createOrganisation, createUser, type TestUser } from '../support/factories';
import { errorSummaryText, fieldErrorText, inputValue, selectOptions } from '../support/html';
import { loginAs, newAgent, passSecondFactor, submitForm, textOf, type Agent } from '../support/http';

describe('user administration', () => {
  const ctx = useTestApp();
  let admin: TestUser;
  let adminAgent: Agent;

  beforeEach(async () => {
    admin = await createUser(ctx.db, { role: 'admin', firstName: 'Ada', lastName: 'Admin' });
    adminAgent = await loginAs(ctx.app, admin);
  });

  function post(path: string, fields: Record<string, string> = {}, agent = adminAgent) {
    return submitForm(agent, '/', path, fields);
  }

  function namesIn(html: string): string[] {
    return [...html.matchAll(/<a class="kern-link" href="\/admin\/users\/\d+">([^<]+)<\/a>/g)].map((match) => match[1] ?? '');
  }

  it('lists all accounts and finds them by name or e-mail address', async () => {
    const organisation = await createOrganisation(ctx.db, { name: 'Stadt Ahornfeld' });
    await createUser(ctx.db, { firstName: 'Lena', lastName: 'Schäfer', email: 'l.schaefer@ahornfeld.example', organisationId: organisation.id });
    await createUser(ctx.db, { firstName: 'Jonas', lastName: 'Becker', email: 'jbecker@birkenau.example', role: 'trainer' });

    const all = await adminAgent.get('/admin/users');
    expect(all.status).toBe(200);
    expect(namesIn(all.text)).toEqual(['Admin, Ada', 'Becker, Jonas', 'Schäfer, Lena']);
    expect(textOf(all.text)).toContain('3 Ergebnisse');
    expect(textOf(all.text)).toContain('Stadt Ahornfeld');

    const byName = await adminAgent.get('/admin/users').query({ q: 'schäf' });
    expect(namesIn(byName.text)).toEqual(['Schäfer, Lena']);
    expect(textOf(byName.text)).toContain('1 Ergebnis');
    expect(inputValue(byName.text, 'q')).toBe('schäf');

    const byFullName = await adminAgent.get('/admin/users').query({ q: 'Jonas Becker' });
    expect(namesIn(byFullName.text)).toEqual(['Becker, Jonas']);
    const byEmail = await adminAgent.get('/admin/users').query({ q: 'birkenau' });
    expect(namesIn(byEmail.text)).toEqual(['Becker, Jonas']);
    const byRole = await adminAgent.get('/admin/users').query({ role: 'trainer' });
    expect(namesIn(byRole.text)).toEqual(['Becker, Jonas']);

    // A % in the search is a character, not a wildcard.
    const wildcard = await adminAgent.get('/admin/users').query({ q: '%' });
    expect(namesIn(wildcard.text)).toEqual([]);
    expect(textOf(wildcard.text)).toContain('Keine Benutzerkonten gefunden.');
  });

  it('changes a role, records before and after, and the change applies to the person at once', async () => {
    const person = await createUser(ctx.db, { firstName: 'Mia', lastName: 'Wolf' });
    const personAgent = await loginAs(ctx.app, person);
    expect((await personAgent.get('/admin/organisations')).status).toBe(403);

    const response = await post(`/admin/users/${person.id}/role`, { role: 'coordinator' });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe(`/admin/users/${person.id}`);
    const detail = await adminAgent.get(`/admin/users/${person.id}`);
    expect(textOf(detail.text)).toContain('Die Rolle wurde geändert.');
    expect(selectOptions(detail.text, 'role').find((option) => option.selected)?.value).toBe('coordinator');

    expect((await ctx.db('users').where({ id: person.id }).first()).role).toBe('coordinator');
    const audit = await ctx.db('audit_events').where({ action: 'user.role_changed' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_user_id: admin.id, subject_type: 'user', subject_id: String(person.id), before: { role: 'participant' }, after: { role: 'coordinator' } });

    // Same session, new rights, no new login: the new coordinator first sets up a second
    // factor (issue 16), then the page opens.
    const next = await personAgent.get('/admin/organisations');
    expect(next.headers.location).toBe('/account/second-factor/setup?next=%2Fadmin%2Forganisations');
    await passSecondFactor(personAgent, person.email, next.headers.location!);
    expect((await personAgent.get('/admin/organisations')).status).toBe(200);
  });

  it('rejects an unknown role with 422 and changes nothing', async () => {
    const person = await createUser(ctx.db);
    const response = await post(`/admin/users/${person.id}/role`, { role: 'superuser' });
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'role')).toBe('Bitte wählen Sie einen Eintrag aus.');
    expect((await ctx.db('users').where({ id: person.id }).first()).role).toBe('participant');
    expect(await ctx.db('audit_events').where({ action: 'user.role_changed' })).toHaveLength(0);
  });

  it('answers 404 for an account that does not exist', async () => {
    expect((await adminAgent.get('/admin/users/999999')).status).toBe(404);
    expect((await adminAgent.get('/admin/users/abc')).status).toBe(404);
    expect((await post('/admin/users/999999/deactivate')).status).toBe(404);
  });

  it('deactivates an account: the person is logged out on the next request and cannot log in again; reactivation restores access', async () => {
    const person = await createUser(ctx.db, { firstName: 'Paul', lastName: 'Richter' });
    const personAgent = await loginAs(ctx.app, person);
    expect((await personAgent.get('/account')).status).toBe(200);

    const response = await post(`/admin/users/${person.id}/deactivate`);
    expect(response.status).toBe(303);
    const detail = await adminAgent.get(`/admin/users/${person.id}`);
    expect(textOf(detail.text)).toContain('Das Konto wurde deaktiviert.');
    expect(textOf(detail.text)).toContain('Konto wieder aktivieren');

    const next = await personAgent.get('/account');
    expect(next.status).toBe(302);
    expect(next.headers.location).toBe('/login?next=%2Faccount');
    const home = await personAgent.get('/');
    expect(textOf(home.text)).not.toContain('Angemeldet als Paul Richter');

    const login = await submitForm(newAgent(ctx.app), '/login', '/login', { email: person.email, password: person.password });
    expect(login.status).toBe(422);
    expect(textOf(login.text)).toContain('Ihr Konto ist deaktiviert');

    const list = await adminAgent.get('/admin/users').query({ status: 'inactive' });
    expect(namesIn(list.text)).toEqual(['Richter, Paul']);

    expect((await post(`/admin/users/${person.id}/reactivate`)).status).toBe(303);
    expect(textOf((await adminAgent.get(`/admin/users/${person.id}`)).text)).toContain('Das Konto wurde wieder aktiviert.');
    expect((await loginAs(ctx.app, person).then((agent) => agent.get('/account'))).status).toBe(200);

    const audit = await ctx.db('audit_events').where({ subject_type: 'user', subject_id: String(person.id) }).whereIn('action', ['user.deactivated', 'user.reactivated']).orderBy('id');
    expect(audit.map((row) => [row.action, row.before, row.after])).toEqual([
      ['user.deactivated', { active: true }, { active: false }],
      ['user.reactivated', { active: false }, { active: true }],
    ]);
  });

  it('does not let an admin deactivate themself or give up their own admin role', async () => {
    const deactivate = await post(`/admin/users/${admin.id}/deactivate`);
    expect(deactivate.status).toBe(409);
    expect(textOf(deactivate.text)).toContain('Sie können Ihr eigenes Konto nicht deaktivieren.');
    expect(deactivate.text).toContain('<html lang="de">');

    const demote = await post(`/admin/users/${admin.id}/role`, { role: 'coordinator' });
    expect(demote.status).toBe(409);
    expect(textOf(demote.text)).toContain('Sie können Ihre eigene Administrationsrolle nicht entziehen.');

    expect(await ctx.db('users').where({ id: admin.id }).first()).toMatchObject({ active: true, role: 'admin' });
    expect((await adminAgent.get('/admin/users')).status).toBe(200);
    expect(await ctx.db('audit_events').whereIn('action', ['user.deactivated', 'user.role_changed'])).toHaveLength(0);
  });

  it('lets an admin deactivate and demote another admin', async () => {
    const otherAdmin = await createUser(ctx.db, { role: 'admin' });
    expect((await post(`/admin/users/${otherAdmin.id}/role`, { role: 'trainer' })).status).toBe(303);
    expect((await post(`/admin/users/${otherAdmin.id}/deactivate`)).status).toBe(303);
    expect(await ctx.db('users').where({ id: otherAdmin.id }).first()).toMatchObject({ active: false, role: 'trainer' });
  });

  describe('the list at district scale', () => {
    /** Links of the page navigation, by their text. */
    function pageLinks(html: string): Record<string, string> {
      const nav = /<nav class="app-pagination"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '';
      return Object.fromEntries([...nav.matchAll(/<a class="kern-link"(?: rel="\w+")? href="([^"]+)">([^<]+)<\/a>/g)].map((match) => [match[2] ?? '', (match[1] ?? '').replace(/&amp;/g, '&')]));
    }

    async function createPeople(count: number, overrides: { lastName?: (index: number) => string; role?: 'participant' | 'trainer' } = {}) {
      for (let index = 0; index < count; index += 1) {
        await createUser(ctx.db, { organisationId: null, lastName: overrides.lastName?.(index) ?? `Person${String(index).padStart(3, '0')}`, role: overrides.role });
      }
    }

    it('sorts names in German order: umlauts with their vowel, case ignored', async () => {
      for (const lastName of ['Zander', 'Özdemir', 'Bauer', 'ärztin', 'Ozean', 'Arzt', 'Ofen']) await createUser(ctx.db, { firstName: 'Kim', lastName, organisationId: null });
      const page = await adminAgent.get('/admin/users');
      expect(namesIn(page.text)).toEqual(['Admin, Ada', 'Arzt, Kim', 'ärztin, Kim', 'Bauer, Kim', 'Ofen, Kim', 'Özdemir, Kim', 'Ozean, Kim', 'Zander, Kim']);
    });

    it('shows 50 accounts a page, keeps the filter in the page links and shows the last page for a page past the end', async () => {
      await createPeople(60, { role: 'trainer' });
      await createPeople(3);

      const first = await adminAgent.get('/admin/users').query({ role: 'trainer' });
      expect(namesIn(first.text)).toHaveLength(50);
      expect(namesIn(first.text)[0]).toBe('Person000, Erika');
      expect(textOf(first.text)).toContain('60 Ergebnisse');
      expect(textOf(first.text)).toContain('Seite 1 von 2');
      const next = pageLinks(first.text)['Nächste Seite'];
      expect(next).toBe('/admin/users?role=trainer&page=2');

      const second = await adminAgent.get(next!);
      expect(namesIn(second.text)).toEqual(Array.from({ length: 10 }, (_, index) => `Person0${50 + index}, Erika`));
      expect(selectOptions(second.text, 'role').find((option) => option.selected)?.value).toBe('trainer');

      const pastTheEnd = await adminAgent.get('/admin/users').query({ role: 'trainer', page: '9' });
      expect(pastTheEnd.status).toBe(200);
      expect(namesIn(pastTheEnd.text)).toEqual(namesIn(second.text));
      expect(textOf(pastTheEnd.text)).toContain('Seite 2 von 2');
    });

    it('lets the filter be sent without a search term', async () => {
      const page = await adminAgent.get('/admin/users');
      expect(page.text).not.toMatch(/<input[^>]*name="q"[^>]*required/);
    });

    it('sends as many statements for 200 accounts as for 3, at most six', async () => {
      await createPeople(2);
      // The session's activity is written at most once a minute: the first view may write it, so it is not measured.
      expect((await adminAgent.get('/admin/users')).status).toBe(200);
      const small = await countQueries(ctx.db, () => adminAgent.get('/admin/users?page=1'));
      const searchSmall = await countQueries(ctx.db, () => adminAgent.get('/admin/users?q=Person'));
      await createPeople(200);
      let shown: string[] = [];
      const large = await countQueries(ctx.db, async () => {
        shown = namesIn((await adminAgent.get('/admin/users?page=1')).text);
      });
      const searchLarge = await countQueries(ctx.db, () => adminAgent.get('/admin/users?q=Person'));
      expect(shown).toHaveLength(50);
      expect(large).toBe(small);
      expect(searchLarge).toBe(searchSmall);
      expect(large).toBeLessThanOrEqual(6);
      expect(searchLarge).toBeLessThanOrEqual(6);
    });
  });
});

describe('organisations', () => {
  const ctx = useTestApp();

  async function registerOptions(): Promise<string[]> {
    const page = await newAgent(ctx.app).get('/register');
    return selectOptions(page.text, 'organisationId').map((option) => option.label);
  }

  it.each(['coordinator', 'admin'] as const)('as %s: creates an organisation that people can then choose when registering', async (role) => {
    const agent = await loginAs(ctx.app, await createUser(ctx.db, { role, organisationId: null }));
    const response = await submitForm(agent, '/admin/organisations', '/admin/organisations', { name: 'Gemeinde Lindental', kind: 'municipality' });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/admin/organisations');

    const list = await agent.get('/admin/organisations');
    expect(textOf(list.text)).toContain('Die Organisation wurde angelegt.');
    expect(textOf(list.text)).toContain('Gemeinde Lindental Stadt / Gemeinde 0 Aktiv');
    expect(await registerOptions()).toContain('Gemeinde Lindental');
    const audit = await ctx.db('audit_events').where({ action: 'organisation.created' });
    expect(audit).toHaveLength(1);
    expect(audit[0]?.after).toEqual({ name: 'Gemeinde Lindental', kind: 'municipality' });
  });

  it('refuses a name that exists already in another spelling of case with 422 and creates nothing', async () => {
    await createOrganisation(ctx.db, { name: 'Gemeinde Lindental' });
    const agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator', organisationId: null }));
    const response = await submitForm(agent, '/admin/organisations', '/admin/organisations', { name: 'GEMEINDE lindental', kind: 'municipality' });
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'name')).toBe('Eine Organisation mit diesem Namen gibt es bereits.');
    expect(errorSummaryText(response.text)).toContain('Eine Organisation mit diesem Namen gibt es bereits.');
    expect(inputValue(response.text, 'name')).toBe('GEMEINDE lindental');
    expect(await ctx.db('organisations')).toHaveLength(1);
    expect(await ctx.db('audit_events').where({ action: 'organisation.created' })).toHaveLength(0);
  });

  it('validates the form', async () => {
    const agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator', organisationId: null }));
    const response = await submitForm(agent, '/admin/organisations', '/admin/organisations', { name: '', kind: '' });
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'name')).toBe('Bitte füllen Sie dieses Feld aus.');
    expect(fieldErrorText(response.text, 'kind')).toBe('Bitte wählen Sie einen Eintrag aus.');
    expect(await ctx.db('organisations')).toHaveLength(0);
  });

  it('renames and deactivates an organisation: it disappears from the registration form but keeps its members', async () => {
    const organisation = await createOrganisation(ctx.db, { name: 'Gemeinde Lindental' });
    await createOrganisation(ctx.db, { name: 'Stadt Ahornfeld' });
    await createUser(ctx.db, { organisationId: organisation.id });
    const agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator', organisationId: null }));
    expect(await registerOptions()).toEqual(['Bitte auswählen', 'Gemeinde Lindental', 'Stadt Ahornfeld']);

    const editPage = await agent.get(`/admin/organisations/${organisation.id}`);
    expect(editPage.status).toBe(200);
    expect(inputValue(editPage.text, 'name')).toBe('Gemeinde Lindental');

    const rename = await submitForm(agent, `/admin/organisations/${organisation.id}`, `/admin/organisations/${organisation.id}`, { name: 'Gemeinde Lindental-Au', kind: 'municipality', active: 'yes' });
    expect(rename.status).toBe(303);
    expect(await registerOptions()).toEqual(['Bitte auswählen', 'Gemeinde Lindental-Au', 'Stadt Ahornfeld']);

    const deactivate = await submitForm(agent, `/admin/organisations/${organisation.id}`, `/admin/organisations/${organisation.id}`, { name: 'Gemeinde Lindental-Au', kind: 'municipality', active: 'no' });
    expect(deactivate.status).toBe(303);
    expect(await registerOptions()).toEqual(['Bitte auswählen', 'Stadt Ahornfeld']);
    const list = await agent.get('/admin/organisations');
    expect(textOf(list.text)).toContain('Die Organisation wurde gespeichert.');
    expect(textOf(list.text)).toContain('Gemeinde Lindental-Au Stadt / Gemeinde 1 Deaktiviert');

    const audit = await ctx.db('audit_events').where({ action: 'organisation.updated' }).orderBy('id');
    expect(audit.map((row) => row.after.active)).toEqual([true, false]);
    expect(audit[1]?.before).toEqual({ name: 'Gemeinde Lindental-Au', kind: 'municipality', active: true });
  });

  it('refuses renaming to the name of another organisation', async () => {
    const organisation = await createOrganisation(ctx.db, { name: 'Gemeinde Lindental' });
    await createOrganisation(ctx.db, { name: 'Stadt Ahornfeld' });
    const agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'admin', organisationId: null }));
    const path = `/admin/organisations/${organisation.id}`;
    const response = await submitForm(agent, path, path, { name: 'stadt ahornfeld', kind: 'municipality', active: 'yes' });
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'name')).toBe('Eine Organisation mit diesem Namen gibt es bereits.');
    expect((await ctx.db('organisations').where({ id: organisation.id }).first()).name).toBe('Gemeinde Lindental');
  });

  it('answers 404 for an organisation that does not exist', async () => {
    const agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator', organisationId: null }));
    expect((await agent.get('/admin/organisations/999999')).status).toBe(404);
  });
});
