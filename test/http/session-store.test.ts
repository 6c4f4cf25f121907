import { pruneExpiredSessions } from '../../src/accounts/session-store';
import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createUser } from '../support/factories';
import { csrfTokenIn, loginAs, newAgent } from '../support/http';

/** Sessions in PostgreSQL: what a page view costs, and what is stored for whom. */
describe('sessions', () => {
  const ctx = useTestApp();
  const sessionRows = async () => Number((await ctx.db('http_sessions').count('* as count').first())?.count);

  it('reads the session and the logged-in person in one statement and writes nothing on a page view', async () => {
    const agent = await loginAs(ctx.app, await createUser(ctx.db, { firstName: 'Jonas', lastName: 'Becker' }));
    await agent.get('/impressum').expect(200);
    // A page that reads nothing else: what remains is the session with its user.
    const statements = await countQueries(ctx.db, async () => {
      const page = await agent.get('/impressum').expect(200);
      expect(page.text).toContain('Jonas Becker');
    });
    expect(statements).toBe(1);
  });

  it('stores nothing for visitors who only look, also at forms', async () => {
    const visitor = newAgent(ctx.app);
    const statements = await countQueries(ctx.db, async () => {
      for (const url of ['/', '/login', '/password/forgot']) await visitor.get(url).expect(200);
    });
    expect(statements).toBe(0);
    // The registration form reads the list of organisations, but stores nothing either.
    await visitor.get('/register').expect(200);
    expect(await sessionRows()).toBe(0);
  });

  it('ends the login of a deactivated account on its next request', async () => {
    const user = await createUser(ctx.db);
    const agent = await loginAs(ctx.app, user);
    await agent.get('/account').expect(200);
    await ctx.db('users').where('id', user.id).update({ active: false });
    const response = await agent.get('/account');
    expect(response.status).toBe(302);
    expect(response.headers.location).toMatch(/^\/login/);
  });

  it('refuses a form token that belongs to another browser', async () => {
    const user = await createUser(ctx.db);
    const mine = newAgent(ctx.app);
    const theirs = newAgent(ctx.app);
    await mine.get('/login').expect(200);
    const theirToken = csrfTokenIn((await theirs.get('/login')).text);
    const response = await mine.post('/login').type('form').send({ email: user.email, password: user.password, _csrf: theirToken });
    expect(response.status).toBe(403);
    expect(await sessionRows()).toBe(0);
  });

  it('frees the rows of expired sessions and keeps the live ones', async () => {
    await loginAs(ctx.app, await createUser(ctx.db));
    await ctx.db('http_sessions').insert({ sid: 'ended', sess: JSON.stringify({ cookie: {} }), expire: ctx.db.raw("now() - interval '1 minute'") });
    expect(await sessionRows()).toBe(2);
    expect(await pruneExpiredSessions(ctx.db)).toBe(1);
    expect(await ctx.db('http_sessions').pluck('sid')).not.toContain('ended');
    expect(await sessionRows()).toBe(1);
  });
});
