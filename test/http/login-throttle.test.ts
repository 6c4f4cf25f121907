import { useTestApp } from '../support/app';
import { createUser } from '../support/factories';
import { csrfTokenIn, newAgent, textOf } from '../support/http';

const WRONG = 'falsch-falsch';
const OFFICE = '203.0.113.10';

/** Only the clock is fake (and stands still until moved): timers, I/O and the database run for real. */
function freezeClock(): void {
  jest.useFakeTimers({
    doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
    now: new Date(),
  });
}

function advanceSeconds(seconds: number): void {
  jest.setSystemTime(Date.now() + seconds * 1000);
}

describe('login throttling', () => {
  const ctx = useTestApp();

  afterEach(() => {
    jest.useRealTimers();
  });

  /** One login through the real form, from a client address (the app trusts the loopback proxy, as in production behind one). */
  async function login(email: string, password: string, from = OFFICE) {
    const agent = newAgent(ctx.app);
    const page = await agent.get('/login').set('X-Forwarded-For', from);
    return agent.post('/login').set('X-Forwarded-For', from).type('form').send({ email, password, _csrf: csrfTokenIn(page.text) });
  }

  /** Ten failures in a row, waiting out each growing pause; returns the statuses seen on the way. */
  async function failTenTimes(email: string, from: (n: number) => string = () => OFFICE): Promise<number[]> {
    const statuses: number[] = [];
    for (let failure = 1; failure <= 10; failure += 1) {
      let response = await login(email, WRONG, from(failure));
      if (response.status === 429) {
        statuses.push(429);
        advanceSeconds(Number(response.headers['retry-after']) + 1);
        response = await login(email, WRONG, from(failure));
      }
      statuses.push(response.status);
    }
    return statuses;
  }

  it('lets a trainer log in correctly twelve times in a row', async () => {
    const trainer = await createUser(ctx.db, { role: 'trainer' });
    const statuses: number[] = [];
    for (let round = 0; round < 12; round += 1) statuses.push((await login(trainer.email, trainer.password)).status);
    expect(statuses).toEqual(Array(12).fill(303));
  });

  it('slows down after five failures, locks after ten (even the right password), tells the holder once, and opens again after 15 minutes', async () => {
    freezeClock();
    const user = await createUser(ctx.db, { firstName: 'Lena', lastName: 'Özdemir' });
    const statuses = await failTenTimes(user.email);
    // Five immediate answers, then every further try first has to wait.
    expect(statuses).toEqual([422, 422, 422, 422, 422, 429, 422, 429, 422, 429, 422, 429, 422, 429, 422]);

    const locked = await login(user.email, user.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(14 * 60);
    expect(textOf(locked.text)).toContain('Zu viele fehlgeschlagene Anmeldeversuche. Bitte versuchen Sie es in 15 Minute(n) erneut.');
    expect(locked.text).toContain(`value="${user.email}"`);
    expect((await newAgent(ctx.app).get('/account')).status).toBe(302);

    advanceSeconds(5 * 60);
    expect((await login(user.email, user.password)).status).toBe(429);
    await ctx.deliverMail();
    expect(ctx.mailbox.map((mail) => `${mail.to} | ${mail.subject}`)).toEqual([`${user.email} | Anmeldung vorübergehend gesperrt`]);
    expect(ctx.mailbox[0]!.text).toContain('Guten Tag Lena Özdemir,');
    expect(ctx.mailbox[0]!.text).toContain('10-mal hintereinander ein falsches Passwort');
    expect(ctx.mailbox[0]!.text).toContain('http://campus.test/password/forgot');

    advanceSeconds(10 * 60 + 1);
    expect((await login(user.email, user.password)).status).toBe(303);
  });

  it('writes the lock mail in the holder’s language', async () => {
    freezeClock();
    const user = await createUser(ctx.db, { firstName: 'Grace', lastName: 'Hopper', locale: 'en' });
    await failTenTimes(user.email);
    await ctx.deliverMail();
    expect(ctx.mailbox.map((mail) => mail.subject)).toEqual(['Login temporarily locked']);
    expect(ctx.mailbox[0]!.text).toContain('Dear Grace Hopper,');
  });

  it('throttles an unknown address exactly like a known one (no hint which accounts exist)', async () => {
    freezeClock();
    const user = await createUser(ctx.db);
    const known = await failTenTimes(user.email);
    const knownLocked = await login(user.email, WRONG);
    const unknown = await failTenTimes('niemand@gemeinde.example');
    const unknownLocked = await login('niemand@gemeinde.example', WRONG);
    expect(unknown).toEqual(known);
    expect(knownLocked.status).toBe(429);
    expect(unknownLocked.status).toBe(knownLocked.status);
    expect(textOf(unknownLocked.text).replace('niemand@gemeinde.example', '')).toBe(textOf(knownLocked.text).replace(user.email, ''));
  });

  it('counts failures for one account together, whichever addresses they come from', async () => {
    const user = await createUser(ctx.db);
    const addresses = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];
    for (let failure = 0; failure < 5; failure += 1) expect((await login(user.email, WRONG, addresses[failure % 3])).status).toBe(422);
    const fromElsewhere = await login(user.email, user.password, '198.51.100.99');
    expect(fromElsewhere.status).toBe(429);
    expect(textOf(fromElsewhere.text)).toContain('Bitte versuchen Sie es in 1 Minute(n) erneut.');
  });

  it('a successful login clears the account’s failures', async () => {
    const user = await createUser(ctx.db);
    for (let failure = 0; failure < 4; failure += 1) await login(user.email, WRONG);
    expect((await login(user.email, user.password)).status).toBe(303);
    for (let failure = 0; failure < 5; failure += 1) expect((await login(user.email, WRONG)).status).toBe(422);
  });

  it('does not lock out an authority whose staff share one address: sixty people each mistype once, then log in', async () => {
    const people = [];
    for (let index = 0; index < 60; index += 1) people.push(await createUser(ctx.db));
    const statuses: number[] = [];
    for (const person of people) {
      statuses.push((await login(person.email, WRONG)).status);
      statuses.push((await login(person.email, person.password)).status);
    }
    expect(statuses.filter((status, index) => status !== (index % 2 === 0 ? 422 : 303))).toEqual([]);
  });

  it('stops one address after 100 failed attempts on any accounts', async () => {
    const user = await createUser(ctx.db);
    for (let failure = 0; failure < 100; failure += 1) expect((await login(`person${failure}@gemeinde.example`, WRONG)).status).toBe(422);
    expect((await login(user.email, user.password)).status).toBe(429);
    // Another address is not affected.
    expect((await login(user.email, user.password, '192.0.2.7')).status).toBe(303);
  });
});
