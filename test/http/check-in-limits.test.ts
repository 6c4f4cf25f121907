import { checkInCode } from '../../src/attendance/check-in-code';
import { useTestApp } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { createUser, type TestUser } from '../support/factories';
import { csrfTokenIn, loginAs, textOf, type Agent } from '../support/http';

const MINUTE_DAYS = 1 / (24 * 60);
const REFUSED = 'Dieser Code ist ungültig oder der Check-in ist geschlossen, oder Sie sind für diesen Termin nicht angemeldet.';
const TOO_MANY = 'Zu viele Versuche. Bitte warten Sie 15 Minute(n) und versuchen Sie es dann erneut.';

describe('self check-in: one answer for every wrong code, and a limit on tries', () => {
  const ctx = useTestApp();

  /** A session starting in five minutes with self check-in open; returns its code. */
  async function openSession(enrolled: TestUser[] = []) {
    const trainer = await createUser(ctx.db, { role: 'trainer' });
    const offering = await createOffering(ctx.db, { startsInDays: 5 * MINUTE_DAYS, registrationClosesInDays: -0.5, trainerIds: [trainer.id] });
    const sessionId = offering.sessionIds[0]!;
    for (const person of enrolled) await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
    const nonce = 'a'.repeat(32);
    await ctx.db('check_in_windows').insert({ session_id: sessionId, nonce, opened_by: trainer.id });
    return { sessionId, code: checkInCode(ctx.config.sessionSecret, sessionId, nonce) };
  }

  async function tryCode(agent: Agent, code: string) {
    const form = await agent.get('/check-in');
    return agent.post('/check-in').type('form').send({ code, _csrf: csrfTokenIn(form.text) });
  }

  /** A code that is no session's: the valid one with its last character changed. */
  const wrongCode = (code: string) => code.slice(0, 5) + (code.endsWith('2') ? '3' : '2');

  it('answers an unknown code and a valid code of another offering identically, and records nothing', async () => {
    const participant = await createUser(ctx.db);
    await openSession([participant]);
    const other = await openSession();
    const agent = await loginAs(ctx.app, participant);

    const unknown = await tryCode(agent, wrongCode(other.code));
    const foreign = await tryCode(agent, other.code);
    expect(unknown.status).toBe(422);
    expect(foreign.status).toBe(unknown.status);
    expect(textOf(foreign.text)).toBe(textOf(unknown.text));
    expect(textOf(foreign.text)).toContain(REFUSED);
    expect(await ctx.db('attendance_records')).toHaveLength(0);
  });

  it('refuses a person after 10 tries in 15 minutes with a German message, even with the right code', async () => {
    const participant = await createUser(ctx.db);
    const { code, sessionId } = await openSession([participant]);
    const agent = await loginAs(ctx.app, participant);
    for (let attempt = 1; attempt <= 10; attempt += 1) expect((await tryCode(agent, wrongCode(code))).status).toBe(422);

    const blocked = await tryCode(agent, code);
    expect(blocked.status).toBe(429);
    expect(textOf(blocked.text)).toContain(TOO_MANY);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(await ctx.db('attendance_records').where({ session_id: sessionId })).toHaveLength(0);
  });

  it('counts a person across addresses, and the address only after its higher limit of 60 tries', async () => {
    const people = await Promise.all(Array.from({ length: 8 }, () => createUser(ctx.db)));
    const { code } = await openSession(people);
    const agents = await Promise.all(people.map((person) => loginAs(ctx.app, person)));

    // The first person is locked out after 10 tries; the next one behind the same address is not.
    for (let attempt = 1; attempt <= 10; attempt += 1) await tryCode(agents[0]!, wrongCode(code));
    expect((await tryCode(agents[0]!, wrongCode(code))).status).toBe(429);
    expect((await tryCode(agents[1]!, wrongCode(code))).status).toBe(422);

    // 10 + 1 + 49 = 60 counted tries from this address (the locked-out try did not count for it).
    for (const agent of agents.slice(1, 6)) {
      const tries = agent === agents[1] ? 9 : 10;
      for (let attempt = 1; attempt <= tries; attempt += 1) expect((await tryCode(agent, wrongCode(code))).status).toBe(422);
    }
    const overAddress = await tryCode(agents[6]!, code);
    expect(overAddress.status).toBe(429);
    expect(textOf(overAddress.text)).toContain(TOO_MANY);
  });
});
