import { useTestApp } from '../support/app';
import { createUser, nextTotpCode, type TestUser } from '../support/factories';
import { errorSummaryText, fieldErrorText } from '../support/html';
import { csrfTokenIn, hiddenValue, loginAs, newAgent, submitForm, textOf, typedKeyIn, type Agent } from '../support/http';
import { codeForStep, stepAt } from '../../src/accounts/second-factor/totp';
import { WRONG_CODES_PER_ACCOUNT } from '../../src/accounts/second-factor/code-throttle';
import { anonymisePerson } from '../../src/privacy/erasure.service';

/** Password only: where the login form sends the person next, and the browser that got there. */
async function withPassword(app: Parameters<typeof newAgent>[0], user: TestUser): Promise<{ agent: Agent; location: string; sessionId: string | undefined }> {
  const agent = newAgent(app);
  const response = await submitForm(agent, '/login', '/login', { email: user.email, password: user.password });
  expect(response.status).toBe(303);
  return { agent, location: response.headers.location ?? '', sessionId: sessionCookieIn(response.headers['set-cookie']) };
}

/** The session cookie a response sets (a new session id is a new cookie). */
function sessionCookieIn(setCookie: unknown): string | undefined {
  const cookies = Array.isArray(setCookie) ? (setCookie as string[]) : [];
  return cookies.find((cookie) => cookie.startsWith('kokoma.sid='))?.split(';')[0];
}

/** Sets the app up through the setup page like a person with a phone; returns the key and the recovery codes shown. */
async function setUp(agent: Agent, page = '/account/second-factor/setup'): Promise<{ secret: string; codes: string[] }> {
  const setup = await agent.get(page);
  expect(setup.status).toBe(200);
  const secret = typedKeyIn(setup.text);
  const response = await agent
    .post('/account/second-factor/setup')
    .type('form')
    .send({ secret: hiddenValue(setup.text, 'secret'), code: codeForStep(secret, stepAt(Date.now())), _csrf: csrfTokenIn(setup.text) });
  expect(response.status).toBe(200);
  const codes = [...response.text.matchAll(/data-recovery-code>([A-Z0-9-]+)</g)].map((match) => match[1]!);
  return { secret, codes };
}

function enterCode(agent: Agent, code: string) {
  return submitForm(agent, '/login/code', '/login/code', { code });
}

describe('second factor', () => {
  const ctx = useTestApp();

  it('holds a coordinator without a second factor on the setup page until it is set up', async () => {
    const coordinator = await createUser(ctx.db, { role: 'coordinator', secondFactor: false });
    const { agent, location } = await withPassword(ctx.app, coordinator);
    expect(location).toBe('/account/second-factor/setup?next=%2F');

    // Everything else leads back to the setup; a form elsewhere is refused.
    const elsewhere = await agent.get('/manage/programmes');
    expect(elsewhere.status).toBe(303);
    expect(elsewhere.headers.location).toBe('/account/second-factor/setup?next=%2Fmanage%2Fprogrammes');
    const setupPage = await agent.get('/account/second-factor/setup');
    expect(textOf(setupPage.text)).toContain('ist für Ihr Konto ein zweiter Faktor vorgeschrieben');
    expect(textOf(setupPage.text)).toContain(coordinator.email);
    expect(setupPage.text).toContain('src="data:image/png;base64,');
    expect(typedKeyIn(setupPage.text)).toMatch(/^[A-Z2-7]{32}$/);
    // The navigation offers nothing that would only lead back here.
    expect(setupPage.text).not.toContain('href="/manage/programmes"');
    const refused = await agent.post('/account/language').type('form').send({ lang: 'en', _csrf: csrfTokenIn(setupPage.text) });
    expect(refused.status).toBe(403);

    // A wrong code: 422 with the German message, the same key again, nothing stored.
    const wrong = await agent
      .post('/account/second-factor/setup')
      .type('form')
      .send({ secret: hiddenValue(setupPage.text, 'secret'), code: '000000', _csrf: csrfTokenIn(setupPage.text) });
    expect(wrong.status).toBe(422);
    expect(errorSummaryText(wrong.text)).toContain('Der Code ist nicht gültig');
    expect(typedKeyIn(wrong.text)).toBe(typedKeyIn(setupPage.text));
    expect(await ctx.db('second_factors').where('user_id', coordinator.id)).toHaveLength(0);
    const letters = await agent
      .post('/account/second-factor/setup')
      .type('form')
      .send({ secret: hiddenValue(setupPage.text, 'secret'), code: '12ab', _csrf: csrfTokenIn(setupPage.text) });
    expect(letters.status).toBe(422);
    expect(fieldErrorText(letters.text, 'code')).toContain('Der Code besteht aus sechs Ziffern.');

    const { codes } = await setUp(agent);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    codes.forEach((code) => expect(code).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/));
    // Stored: the key encrypted (not readable), the codes only as hashes.
    const [factor] = await ctx.db('second_factors').where('user_id', coordinator.id);
    expect(factor.totp_secret_encrypted).not.toContain(typedKeyIn(setupPage.text));
    const hashes = await ctx.db('second_factor_recovery_codes').where('user_id', coordinator.id).pluck('code_hash');
    expect(hashes).toHaveLength(10);
    codes.forEach((code) => expect(hashes).not.toContain(code));
    expect(await ctx.db('audit_events').where({ action: 'second_factor.set_up', subject_id: String(coordinator.id) })).toHaveLength(1);
    // The person hears of it: if it was not them, their password is known.
    await ctx.deliverMail();
    const notice = ctx.mailbox.find((mail) => mail.to === coordinator.email);
    expect(notice?.subject).toBe('Zweiter Faktor eingerichtet');
    expect(notice?.text).toContain('Waren das nicht Sie');

    expect((await agent.get('/manage/programmes')).status).toBe(200);
  });

  it('asks for a code after the password: no privileges before it, a wrong one is refused in German, the right one logs in with a new session', async () => {
    const admin = await createUser(ctx.db, { role: 'admin' });
    const { agent, location, sessionId: pendingSession } = await withPassword(ctx.app, admin);
    expect(location).toBe('/login/code');
    expect(pendingSession).toBeDefined();

    const before = await agent.get('/admin/users');
    expect(before.status).toBe(302);
    expect(before.headers.location).toBe('/login?next=%2Fadmin%2Fusers');

    const wrong = await enterCode(agent, '000000');
    expect(wrong.status).toBe(422);
    expect(errorSummaryText(wrong.text)).toContain('Der Code ist nicht gültig');

    const right = await enterCode(agent, await nextTotpCode(admin.email));
    expect(right.status).toBe(303);
    expect(right.headers.location).toBe('/');
    const loggedInSession = sessionCookieIn(right.headers['set-cookie']);
    expect(loggedInSession).toBeDefined();
    expect(loggedInSession).not.toBe(pendingSession);
    expect((await agent.get('/admin/users')).status).toBe(200);
    const login = await ctx.db('audit_events').where({ action: 'login', actor_user_id: admin.id });
    expect(login).toHaveLength(1);
  });

  it('refuses the same code a second time (replay), also at a second login', async () => {
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    const code = await nextTotpCode(coordinator.email);
    const first = await withPassword(ctx.app, coordinator);
    expect((await enterCode(first.agent, code)).status).toBe(303);

    const second = await withPassword(ctx.app, coordinator);
    const replay = await enterCode(second.agent, code);
    expect(replay.status).toBe(422);
    expect(errorSummaryText(replay.text)).toContain('jeder Code gilt nur einmal');
  });

  it('lets a recovery code log in exactly once, even when it is sent twice at the same moment', async () => {
    const participant = await createUser(ctx.db);
    const agent = await loginAs(ctx.app, participant);
    const { codes } = await setUp(agent);
    const code = codes[3]!;

    const [a, b] = await Promise.all([withPassword(ctx.app, participant), withPassword(ctx.app, participant)]);
    expect(a.location).toBe('/login/code');
    // Typed in lower case without the hyphen: still the same code.
    const results = await Promise.all([enterCode(a.agent, code), enterCode(b.agent, code.toLowerCase().replace('-', ''))]);
    expect(results.map((response) => response.status).sort()).toEqual([303, 422]);
    const winner = results[0]!.status === 303 ? a.agent : b.agent;
    const start = await winner.get('/');
    expect(textOf(start.text)).toContain('Es bleiben 9 Codes');

    const used = await ctx.db('audit_events').where({ action: 'second_factor.recovery_code_used', subject_id: String(participant.id) });
    expect(used).toHaveLength(1);
    expect(used[0].after).toEqual({ codesLeft: 9 });
    await ctx.deliverMail();
    const warnings = ctx.mailbox.filter((mail) => mail.to === participant.email && mail.subject === 'Anmeldung mit einem Wiederherstellungscode');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.text).toContain('Es bleiben 9 Codes.');

    const again = await withPassword(ctx.app, participant);
    expect((await enterCode(again.agent, code)).status).toBe(422);
  });

  it('renews the recovery codes: the old ones stop working, the new ones work', async () => {
    const participant = await createUser(ctx.db, { role: 'trainer' });
    const agent = await loginAs(ctx.app, participant);
    const { codes: oldCodes } = await setUp(agent);
    const renewed = await submitForm(agent, '/account/second-factor', '/account/second-factor/recovery-codes', {});
    expect(renewed.status).toBe(200);
    const newCodes = [...renewed.text.matchAll(/data-recovery-code>([A-Z0-9-]+)</g)].map((match) => match[1]!);
    expect(newCodes).toHaveLength(10);
    expect(newCodes.filter((code) => oldCodes.includes(code))).toEqual([]);
    expect(await ctx.db('audit_events').where({ action: 'second_factor.recovery_codes_renewed' })).toHaveLength(1);

    const withOld = await withPassword(ctx.app, participant);
    expect((await enterCode(withOld.agent, oldCodes[0]!)).status).toBe(422);
    const withNew = await withPassword(ctx.app, participant);
    expect((await enterCode(withNew.agent, newCodes[0]!)).status).toBe(303);
  });

  it(`stops accepting codes after ${WRONG_CODES_PER_ACCOUNT} wrong ones for the account, also the right one, with a German message`, async () => {
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    const { agent } = await withPassword(ctx.app, coordinator);
    for (let attempt = 0; attempt < WRONG_CODES_PER_ACCOUNT; attempt += 1) expect((await enterCode(agent, '111111')).status).toBe(422);
    // Another browser (a new password login) does not start a new count: the count is the account's.
    const other = await withPassword(ctx.app, coordinator);
    const blocked = await enterCode(other.agent, await nextTotpCode(coordinator.email));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(errorSummaryText(blocked.text)).toContain('Zu viele falsche Codes');
    expect((await other.agent.get('/manage/programmes')).status).toBe(302);
  });

  it('lets an admin reset a person’s second factor: audited, the person’s sessions end, a coordinator sets up anew at the next login', async () => {
    const admin = await createUser(ctx.db, { role: 'admin' });
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    const adminAgent = await loginAs(ctx.app, admin);
    const coordinatorAgent = await loginAs(ctx.app, coordinator);
    expect((await coordinatorAgent.get('/manage/programmes')).status).toBe(200);

    const detail = await adminAgent.get(`/admin/users/${coordinator.id}`);
    expect(textOf(detail.text)).toContain('Zweiten Faktor zurücksetzen');
    const reset = await submitForm(adminAgent, `/admin/users/${coordinator.id}`, `/admin/users/${coordinator.id}/second-factor/reset`, {});
    expect(reset.status).toBe(303);
    expect(textOf((await adminAgent.get(reset.headers.location!)).text)).toContain('Der zweite Faktor wurde zurückgesetzt.');

    const audit = await ctx.db('audit_events').where({ action: 'second_factor.reset', subject_id: String(coordinator.id) });
    expect(audit).toHaveLength(1);
    expect(audit[0].actor_user_id).toBe(admin.id);
    expect(await ctx.db('second_factors').where('user_id', coordinator.id)).toHaveLength(0);
    expect((await coordinatorAgent.get('/manage/programmes')).status).toBe(302);
    await ctx.deliverMail();
    expect(ctx.mailbox.filter((mail) => mail.to === coordinator.email).map((mail) => mail.subject)).toEqual(['Zweiter Faktor zurückgesetzt']);

    const again = await withPassword(ctx.app, coordinator);
    expect(again.location).toBe('/account/second-factor/setup?next=%2F');
  });

  it('lets a participant opt in on /account, then asks for a code at login; the participant may switch it off again', async () => {
    const participant = await createUser(ctx.db);
    expect((await withPassword(ctx.app, participant)).location).toBe('/');
    const agent = await loginAs(ctx.app, participant);
    const account = await agent.get('/account');
    expect(account.text).toContain('href="/account/second-factor"');
    expect(textOf((await agent.get('/account/second-factor')).text)).toContain('noch kein zweiter Faktor eingerichtet');
    const { secret } = await setUp(agent);
    expect(textOf((await agent.get('/account/second-factor')).text)).toContain('Verbleibende Wiederherstellungscodes 10');

    const next = await withPassword(ctx.app, participant);
    expect(next.location).toBe('/login/code');
    expect((await enterCode(next.agent, codeForStep(secret, stepAt(Date.now()) + 1))).status).toBe(303);

    const off = await submitForm(next.agent, '/account/second-factor', '/account/second-factor/remove', {});
    expect(off.status).toBe(303);
    expect(await ctx.db('audit_events').where({ action: 'second_factor.removed' })).toHaveLength(1);
    expect((await withPassword(ctx.app, participant)).location).toBe('/');
  });

  it('does not let coordination switch the second factor off', async () => {
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    const agent = await loginAs(ctx.app, coordinator);
    expect(textOf((await agent.get('/account/second-factor')).text)).not.toContain('Zweiten Faktor ausschalten');
    const refused = await submitForm(agent, '/account/second-factor', '/account/second-factor/remove', {});
    expect(refused.status).toBe(409);
    expect(await ctx.db('second_factors').where('user_id', coordinator.id)).toHaveLength(1);
  });

  it('sends a person who becomes coordinator while logged in to the setup before anything else', async () => {
    const admin = await createUser(ctx.db, { role: 'admin' });
    const person = await createUser(ctx.db);
    const personAgent = await loginAs(ctx.app, person);
    const adminAgent = await loginAs(ctx.app, admin);
    expect((await submitForm(adminAgent, `/admin/users/${person.id}`, `/admin/users/${person.id}/role`, { role: 'coordinator' })).status).toBe(303);

    const next = await personAgent.get('/manage/programmes');
    expect(next.status).toBe(303);
    expect(next.headers.location).toBe('/account/second-factor/setup?next=%2Fmanage%2Fprogrammes');
    await setUp(personAgent, next.headers.location);
    expect((await personAgent.get('/manage/programmes')).status).toBe(200);
  });

  it('deletes key and recovery codes when the person is anonymised, and names them on the privacy notice', async () => {
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    await ctx.db('second_factor_recovery_codes').insert({ user_id: coordinator.id, code_hash: 'hash-of-a-code' });
    await ctx.db.transaction((trx) => anonymisePerson(trx, coordinator.id, new Date()));
    expect(await ctx.db('second_factors').where('user_id', coordinator.id)).toHaveLength(0);
    expect(await ctx.db('second_factor_recovery_codes').where('user_id', coordinator.id)).toHaveLength(0);

    const notice = textOf((await newAgent(ctx.app).get('/datenschutz')).text);
    expect(notice).toContain('Zweiter Faktor');
    expect(notice).toContain('speichern wir den Schlüssel Ihrer Authenticator-App verschlüsselt und Ihre Wiederherstellungscodes nur als Hash');
  });

  it('asks for the password again when the code comes more than ten minutes after it, and wants a code at all', async () => {
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    const { agent } = await withPassword(ctx.app, coordinator);
    const empty = await enterCode(agent, '  ');
    expect(empty.status).toBe(422);
    expect(fieldErrorText(empty.text, 'code')).toContain('Bitte geben Sie den Code ein.');

    // The form was open; the pending login as stored, eleven minutes on.
    const token = csrfTokenIn((await agent.get('/login/code')).text);
    await ctx.db('http_sessions')
      .whereRaw("sess -> 'pendingLogin' ->> 'userId' = ?", [String(coordinator.id)])
      .update({ sess: ctx.db.raw(`jsonb_set(sess::jsonb, '{pendingLogin,expiresAt}', to_jsonb(?::bigint))::json`, [Date.now() - 60_000]) });
    const late = await agent.post('/login/code').type('form').send({ code: await nextTotpCode(coordinator.email), _csrf: token });
    expect(late.status).toBe(303);
    expect(late.headers.location).toBe('/login');
    expect(textOf((await agent.get('/login')).text)).toContain('Die Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.');
    expect((await agent.get('/manage/programmes')).status).toBe(302);
  });

  it('sends a stale or foreign visit of the code step back to the login', async () => {
    const response = await newAgent(ctx.app).get('/login/code');
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/login');
  });
});
