import { linkIn, useTestApp } from '../support/app';
import { createUser } from '../support/factories';
import { fieldErrorText } from '../support/html';
import { csrfTokenIn, loginAs, newAgent, submitForm, textOf, type Agent } from '../support/http';

const NEW_PASSWORD = 'Neues-sicheres-Passwort-7';

describe('forgotten password', () => {
  const ctx = useTestApp();

  /** Asks for a link, then lets the app finish its background work and deliver the mail. */
  async function requestReset(email: string) {
    const response = await submitForm(newAgent(ctx.app), '/password/forgot', '/password/forgot', { email });
    await ctx.deliverMail();
    return response;
  }

  /** What a client can see of a response, apart from cookies, request ids and the date. */
  function visible(response: { status: number; headers: Record<string, unknown>; text: string }) {
    const headers = Object.fromEntries(Object.entries(response.headers).filter(([name]) => !['set-cookie', 'date', 'x-request-id'].includes(name)));
    return { status: response.status, headers, body: response.text };
  }

  function setPassword(agent: Agent, link: string, password: string, passwordConfirm = password) {
    return submitForm(agent, link, link, { password, passwordConfirm });
  }

  function login(email: string, password: string) {
    return submitForm(newAgent(ctx.app), '/login', '/login', { email, password });
  }

  async function isLoggedIn(agent: Agent): Promise<boolean> {
    const response = await agent.get('/account');
    return response.status === 200;
  }

  it('answers a known and an unknown address identically; only the known one gets a mail', async () => {
    const user = await createUser(ctx.db, { firstName: 'Tobias', lastName: 'Weißbach' });
    const known = await requestReset(user.email.toUpperCase());
    const unknown = await requestReset('niemand@gemeinde.example');
    for (const response of [known, unknown]) {
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe('/password/forgot/sent');
    }
    expect(unknown.text).toBe(known.text);
    const sentPage = await newAgent(ctx.app).get('/password/forgot/sent');
    expect(textOf(sentPage.text)).toContain('Falls zu dieser Adresse ein Konto besteht');

    expect(ctx.mailbox).toHaveLength(1);
    expect(ctx.mailbox[0]).toMatchObject({ to: user.email, subject: 'Passwort zurücksetzen' });
    expect(ctx.mailbox[0]?.text).toContain('Guten Tag Tobias Weißbach,');
    expect(ctx.mailbox[0]?.text).toContain('60 Minuten');
    expect(linkIn(ctx.mailbox[0])).toMatch(/^\/password\/reset\/[\w-]{20,}$/);
    const requested = await ctx.db('audit_events').where({ action: 'password_reset.requested' });
    expect(requested.map((row) => row.subject_id)).toEqual([String(user.id)]);
  });

  it('sends no link to a deactivated account', async () => {
    const user = await createUser(ctx.db, { active: false });
    const response = await requestReset(user.email);
    expect(response.status).toBe(303);
    expect(ctx.mailbox).toHaveLength(0);
  });

  it('validates the address field', async () => {
    const response = await requestReset('kein-at-zeichen');
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'email')).toBe('Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@gemeinde.de.');
    expect(ctx.mailbox).toHaveLength(0);
  });

  it('sets a new password through the link: the old one stops working, the new one works', async () => {
    const user = await createUser(ctx.db);
    await requestReset(user.email);
    const link = linkIn(ctx.mailbox[0]);
    const agent = newAgent(ctx.app);
    const form = await agent.get(link);
    expect(form.status).toBe(200);
    expect(textOf(form.text)).toContain('Neues Passwort festlegen');

    const response = await setPassword(agent, link, NEW_PASSWORD);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/login');
    expect(textOf((await agent.get('/login')).text)).toContain('Ihr Passwort wurde geändert.');

    expect((await login(user.email, user.password)).status).toBe(422);
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(303);
    const completed = await ctx.db('audit_events').where({ action: 'password_reset.completed' });
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ subject_type: 'user', subject_id: String(user.id), actor_user_id: user.id });
  });

  it('re-renders the form with 422 when the new password is too short or not repeated correctly, and keeps the link usable', async () => {
    const user = await createUser(ctx.db);
    await requestReset(user.email);
    const link = linkIn(ctx.mailbox[0]);
    const agent = newAgent(ctx.app);

    const short = await setPassword(agent, link, 'zu-kurz');
    expect(short.status).toBe(422);
    expect(fieldErrorText(short.text, 'password')).toBe('Das Passwort muss mindestens 12 Zeichen lang sein.');
    const mismatch = await setPassword(agent, link, NEW_PASSWORD, 'Etwas-ganz-anderes-1');
    expect(mismatch.status).toBe(422);
    expect(fieldErrorText(mismatch.text, 'passwordConfirm')).toBe('Die Passwörter stimmen nicht überein.');
    expect(mismatch.text).not.toContain(NEW_PASSWORD);

    expect((await setPassword(agent, link, NEW_PASSWORD)).status).toBe(303);
  });

  it('is single use: a second use of the link answers 410 and changes nothing', async () => {
    const user = await createUser(ctx.db);
    await requestReset(user.email);
    const link = linkIn(ctx.mailbox[0]);
    expect((await setPassword(newAgent(ctx.app), link, NEW_PASSWORD)).status).toBe(303);

    const agent = newAgent(ctx.app);
    const page = await agent.get(link);
    expect(page.status).toBe(410);
    expect(textOf(page.text)).toContain('Link ungültig');
    // Someone who still has the form open can't use it either.
    const loginPage = await agent.get('/login');
    const second = await agent.post(link).type('form').send({ password: 'Noch-ein-Passwort-99', passwordConfirm: 'Noch-ein-Passwort-99', _csrf: csrfTokenIn(loginPage.text) });
    expect(second.status).toBe(410);
    expect((await login(user.email, 'Noch-ein-Passwort-99')).status).toBe(422);
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(303);
  });

  it('expires: a link past its expiry answers 410', async () => {
    const user = await createUser(ctx.db);
    await requestReset(user.email);
    const link = linkIn(ctx.mailbox[0]);
    const agent = newAgent(ctx.app);
    const loginPage = await agent.get('/login');
    await ctx.db('account_tokens').where({ user_id: user.id, purpose: 'password_reset' }).update({ expires_at: new Date(Date.now() - 1000) });

    expect((await agent.get(link)).status).toBe(410);
    const submit = await agent.post(link).type('form').send({ password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD, _csrf: csrfTokenIn(loginPage.text) });
    expect(submit.status).toBe(410);
    expect((await login(user.email, user.password)).status).toBe(303);
  });

  it('an older link stops working once a newer one has been used', async () => {
    const user = await createUser(ctx.db);
    await requestReset(user.email);
    await requestReset(user.email);
    const [older, newer] = [linkIn(ctx.mailbox[0]), linkIn(ctx.mailbox[1])];
    expect(older).not.toBe(newer);
    expect((await setPassword(newAgent(ctx.app), newer, NEW_PASSWORD)).status).toBe(303);
    expect((await newAgent(ctx.app).get(older)).status).toBe(410);
  });

  it('ends every session the person had before the reset', async () => {
    const user = await createUser(ctx.db);
    const other = await createUser(ctx.db);
    const before = await loginAs(ctx.app, user);
    const bystander = await loginAs(ctx.app, other);
    expect(await isLoggedIn(before)).toBe(true);

    await requestReset(user.email);
    expect((await setPassword(newAgent(ctx.app), linkIn(ctx.mailbox[0]), NEW_PASSWORD)).status).toBe(303);

    const account = await before.get('/account');
    expect(account.status).toBe(302);
    expect(account.headers.location).toBe('/login?next=%2Faccount');
    expect(await isLoggedIn(bystander)).toBe(true);
  });

  it('answers with the same status, headers and body for known and unknown addresses, also while the mail server is down', async () => {
    const user = await createUser(ctx.db);
    const agent = newAgent(ctx.app);
    const page = await agent.get('/password/forgot');
    const post = (email: string) => agent.post('/password/forgot').type('form').send({ email, _csrf: csrfTokenIn(page.text) });
    const known = visible(await post(user.email));
    const unknown = visible(await post('niemand@gemeinde.example'));
    expect(unknown).toEqual(known);
    await ctx.deliverMail();
    expect(ctx.mailbox.map((mail) => mail.to)).toEqual([user.email]);
    ctx.mailbox.length = 0;
    ctx.transportDown = true;
    expect(visible(await post(user.email))).toEqual(known);
    expect(visible(await post('auch-niemand@gemeinde.example'))).toEqual(known);
    await ctx.deliverMail();
    expect(ctx.mailbox).toHaveLength(0);
    // Nothing was lost: once the server is back, the link asked for during the outage goes out.
    ctx.transportDown = false;
    await ctx.db('outgoing_mails').update({ next_attempt_at: ctx.db.fn.now() });
    await ctx.deliverMail();
    expect(ctx.mailbox.map((mail) => mail.to)).toEqual([user.email]);
  });

  it('does not greet an account whose address was never confirmed by the name somebody typed in', async () => {
    const user = await createUser(ctx.db, { verified: false, firstName: 'Besuchen Sie evil' });
    await requestReset(user.email);
    expect(ctx.mailbox[0]?.text).toContain('Guten Tag,');
    expect(ctx.mailbox[0]?.text).not.toContain('evil');
  });

  it('confirms the address of an account that was never verified (the link proves it)', async () => {
    const user = await createUser(ctx.db, { verified: false });
    await requestReset(user.email);
    expect((await setPassword(newAgent(ctx.app), linkIn(ctx.mailbox[0]), NEW_PASSWORD)).status).toBe(303);
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(303);
  });
});

describe('changing the password on the account page', () => {
  const ctx = useTestApp();

  async function changePassword(agent: Agent, fields: Record<string, string>) {
    return submitForm(agent, '/account', '/account/password', fields);
  }

  it('refuses a wrong current password with 422 and a message next to the field', async () => {
    const user = await createUser(ctx.db);
    const agent = await loginAs(ctx.app, user);
    const response = await changePassword(agent, { currentPassword: 'nicht-mein-passwort', password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'currentPassword')).toBe('Das aktuelle Passwort ist nicht korrekt.');
    expect(textOf(response.text)).toContain('Bitte prüfen Sie Ihre Angaben');
    expect(response.text).not.toContain('nicht-mein-passwort');
    expect(response.text).not.toContain(NEW_PASSWORD);
    const login = await submitForm(newAgent(ctx.app), '/login', '/login', { email: user.email, password: user.password });
    expect(login.status).toBe(303);
    expect(await ctx.db('audit_events').where({ action: 'password.changed' })).toHaveLength(0);
  });

  it('validates the new password', async () => {
    const user = await createUser(ctx.db);
    const agent = await loginAs(ctx.app, user);
    const response = await changePassword(agent, { currentPassword: user.password, password: 'kurz', passwordConfirm: 'kurz' });
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'password')).toBe('Das Passwort muss mindestens 12 Zeichen lang sein.');
  });

  it('changes the password, keeps this session and ends the other sessions', async () => {
    const user = await createUser(ctx.db);
    const here = await loginAs(ctx.app, user);
    const elsewhere = await loginAs(ctx.app, user);

    const response = await changePassword(here, { currentPassword: user.password, password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/account');
    const account = await here.get('/account');
    expect(account.status).toBe(200);
    expect(textOf(account.text)).toContain('Ihr Passwort wurde geändert. Andere Sitzungen wurden beendet.');

    expect((await elsewhere.get('/account')).status).toBe(302);
    expect((await submitForm(newAgent(ctx.app), '/login', '/login', { email: user.email, password: user.password })).status).toBe(422);
    expect((await submitForm(newAgent(ctx.app), '/login', '/login', { email: user.email, password: NEW_PASSWORD })).status).toBe(303);
    const audit = await ctx.db('audit_events').where({ action: 'password.changed' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_user_id: user.id, subject_id: String(user.id) });
  });
});
