import { linkIn, useTestApp } from '../support/app';
import { createUser, type TestUser } from '../support/factories';
import { csrfTokenIn, loginAs, newAgent, submitForm, textOf, type Agent } from '../support/http';

describe('account administration: sessions, last admin, password reset', () => {
  const ctx = useTestApp();
  let admin: TestUser;
  let adminAgent: Agent;

  beforeEach(async () => {
    admin = await createUser(ctx.db, { role: 'admin', firstName: 'Ada', lastName: 'Admin' });
    adminAgent = await loginAs(ctx.app, admin);
  });

  /** The form's token, read once: parallel requests then go out at the same moment. */
  async function tokenOf(agent: Agent): Promise<string> {
    return csrfTokenIn((await agent.get('/account')).text);
  }

  it('deactivation ends every session of the person at once: each of their logged-in browsers is refused on the next request', async () => {
    const person = await createUser(ctx.db, { firstName: 'Paul', lastName: 'Richter' });
    const office = await loginAs(ctx.app, person);
    const home = await loginAs(ctx.app, person);
    expect((await office.get('/account')).status).toBe(200);
    const sessionsOf = () => ctx.db('http_sessions').whereRaw("(sess -> 'passport' ->> 'user') = ?", [String(person.id)]);
    expect(await sessionsOf()).toHaveLength(2);

    expect((await submitForm(adminAgent, `/admin/users/${person.id}`, `/admin/users/${person.id}/deactivate`, {})).status).toBe(303);
    expect(await sessionsOf()).toHaveLength(0);
    for (const agent of [office, home]) {
      const next = await agent.get('/account');
      expect(next.status).toBe(302);
      expect(next.headers.location).toBe('/login?next=%2Faccount');
    }
    // The admin's own session is untouched.
    expect((await adminAgent.get('/admin/users')).status).toBe(200);
  });

  it('refuses to deactivate the last active admin when two admins deactivate each other at the same moment: one stays', async () => {
    const other = await createUser(ctx.db, { role: 'admin', firstName: 'Otto', lastName: 'Oberamt' });
    const otherAgent = await loginAs(ctx.app, other);
    const [adminToken, otherToken] = await Promise.all([tokenOf(adminAgent), tokenOf(otherAgent)]);

    const responses = await Promise.all([
      adminAgent.post(`/admin/users/${other.id}/deactivate`).type('form').send({ _csrf: adminToken }),
      otherAgent.post(`/admin/users/${admin.id}/deactivate`).type('form').send({ _csrf: otherToken }),
    ]);
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 303)).toHaveLength(1);
    // The second finds itself deactivated (403) or the other the last admin (409).
    expect([403, 409]).toContain(statuses.find((status) => status !== 303));
    const admins = await ctx.db('users').where({ role: 'admin', active: true });
    expect(admins).toHaveLength(1);
    expect(await ctx.db('audit_events').where({ action: 'user.deactivated' })).toHaveLength(1);
  });

  it('keeps the last admin role when two admins demote each other at the same moment', async () => {
    const other = await createUser(ctx.db, { role: 'admin' });
    const otherAgent = await loginAs(ctx.app, other);
    const [adminToken, otherToken] = await Promise.all([tokenOf(adminAgent), tokenOf(otherAgent)]);

    const responses = await Promise.all([
      adminAgent.post(`/admin/users/${other.id}/role`).type('form').send({ role: 'coordinator', _csrf: adminToken }),
      otherAgent.post(`/admin/users/${admin.id}/role`).type('form').send({ role: 'coordinator', _csrf: otherToken }),
    ]);
    expect(responses.map((response) => response.status).filter((status) => status === 303)).toHaveLength(1);
    expect(await ctx.db('users').where({ role: 'admin', active: true })).toHaveLength(1);
    expect(await ctx.db('audit_events').where({ action: 'user.role_changed' })).toHaveLength(1);
  });

  it('lets the only active admin demote an inactive admin but never themself', async () => {
    const inactive = await createUser(ctx.db, { role: 'admin', active: false });
    expect((await submitForm(adminAgent, `/admin/users/${inactive.id}`, `/admin/users/${inactive.id}/role`, { role: 'trainer' })).status).toBe(303);
    const own = await submitForm(adminAgent, `/admin/users/${admin.id}`, `/admin/users/${admin.id}/role`, { role: 'trainer' });
    expect(own.status).toBe(409);
    expect(textOf(own.text)).toContain('Sie können Ihre eigene Administrationsrolle nicht entziehen.');
    expect(await ctx.db('users').where({ id: admin.id }).first()).toMatchObject({ role: 'admin', active: true });
  });

  it('lets a demoted or deactivated admin do nothing more, even with the page still open', async () => {
    const other = await createUser(ctx.db, { role: 'admin' });
    const otherAgent = await loginAs(ctx.app, other);
    const token = await tokenOf(otherAgent);
    const person = await createUser(ctx.db);
    expect((await submitForm(adminAgent, `/admin/users/${other.id}`, `/admin/users/${other.id}/role`, { role: 'participant' })).status).toBe(303);
    const late = await otherAgent.post(`/admin/users/${person.id}/deactivate`).type('form').send({ _csrf: token });
    expect(late.status).toBe(403);
    expect(await ctx.db('users').where({ id: person.id }).first()).toMatchObject({ active: true });
  });

  it('sends a password reset mail for a person on request of an admin, audited; the link sets a new password', async () => {
    const person = await createUser(ctx.db, { firstName: 'Tobias', lastName: 'Weißbach', email: 't.weissbach@gemeinde.example' });
    const detail = await adminAgent.get(`/admin/users/${person.id}`);
    expect(textOf(detail.text)).toContain('E-Mail zum Zurücksetzen senden');

    const response = await submitForm(adminAgent, `/admin/users/${person.id}`, `/admin/users/${person.id}/password-reset`, {});
    expect(response.status).toBe(303);
    expect(textOf((await adminAgent.get(`/admin/users/${person.id}`)).text)).toContain('Die E-Mail zum Zurücksetzen des Passworts wurde an t.weissbach@gemeinde.example gesendet.');
    expect(await ctx.db('outgoing_mails').where({ recipient: person.email })).toHaveLength(1);
    await ctx.deliverMail();
    expect(ctx.mailbox).toHaveLength(1);
    expect(ctx.mailbox[0]).toMatchObject({ to: person.email, subject: 'Passwort zurücksetzen' });
    expect(ctx.mailbox[0]!.text).toContain('Guten Tag Tobias Weißbach,');
    expect(ctx.mailbox[0]!.text).toContain('die Administration von KoKoMa Campus hat für Ihr Konto das Zurücksetzen des Passworts veranlasst');
    const audit = await ctx.db('audit_events').where({ action: 'password_reset.triggered_by_admin' });
    expect(audit.map((row) => [row.subject_id, row.actor_user_id])).toEqual([[String(person.id), admin.id]]);

    const link = linkIn(ctx.mailbox[0]);
    const agent = newAgent(ctx.app);
    const set = await submitForm(agent, link, link, { password: 'Neues-Passwort-im-Amt-9', passwordConfirm: 'Neues-Passwort-im-Amt-9' });
    expect(set.status).toBe(303);
    await loginAs(ctx.app, { email: person.email, password: 'Neues-Passwort-im-Amt-9' });
  });

  it('sends no reset to a deactivated account, answers 404 for an unknown one and 403 for a coordinator', async () => {
    const inactive = await createUser(ctx.db, { active: false });
    const refused = await submitForm(adminAgent, `/admin/users/${inactive.id}`, `/admin/users/${inactive.id}/password-reset`, {});
    expect(refused.status).toBe(409);
    expect(textOf(refused.text)).toContain('Das Konto ist deaktiviert.');
    expect((await submitForm(adminAgent, '/admin/users', '/admin/users/999999/password-reset', {})).status).toBe(404);
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    const coordinatorAgent = await loginAs(ctx.app, coordinator);
    const person = await createUser(ctx.db);
    expect((await submitForm(coordinatorAgent, '/account', `/admin/users/${person.id}/password-reset`, {})).status).toBe(403);
    expect((await submitForm(coordinatorAgent, '/account', `/admin/users/${person.id}/role`, { role: 'admin' })).status).toBe(403);
    expect(await ctx.db('outgoing_mails')).toHaveLength(0);
    expect(await ctx.db('users').where({ id: person.id }).first()).toMatchObject({ role: 'participant' });
  });
});
