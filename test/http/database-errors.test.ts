import { useTestApp } from '../support/app';
import { createUser } from '../support/factories';
import { csrfTokenIn, loginAs, textOf } from '../support/http';

/**
 * Constraints in PostgreSQL are the last guard of every invariant. When one refuses a
 * change that no service expected to be refused (a race, a rule enforced only in the
 * database), the person gets a German page saying nothing was saved, never a 500.
 */
describe('database constraint errors', () => {
  const ctx = useTestApp();

  it('become one German 409 page that says the change was not saved, and change nothing', async () => {
    const user = await createUser(ctx.db);
    const agent = await loginAs(ctx.app, user);
    const page = await agent.get('/account');
    // A rule only the database knows about, like a trigger added by an operator or a later migration.
    await ctx.db.raw("ALTER TABLE users ADD CONSTRAINT users_test_no_english CHECK (locale <> 'en')");
    try {
      const response = await agent.post('/account/language').type('form').send({ lang: 'en', _csrf: csrfTokenIn(page.text) });
      expect(response.status).toBe(409);
      expect(textOf(response.text)).toContain('Die Änderung wurde nicht gespeichert, weil sie den gespeicherten Daten widerspricht');
      expect(response.text).not.toContain('users_test_no_english');
      expect((await ctx.db('users').where({ id: user.id }).first()).locale).toBe('de');
    } finally {
      await ctx.db.raw('ALTER TABLE users DROP CONSTRAINT users_test_no_english');
    }
  });

  it('name the rule where the database says which one it was (a full offering)', async () => {
    const user = await createUser(ctx.db);
    const agent = await loginAs(ctx.app, user);
    const page = await agent.get('/account');
    // The same error the seat trigger raises (check_violation, constraint enrollments_capacity).
    await ctx.db.raw(`CREATE FUNCTION test_refuse_as_full() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'full' USING ERRCODE = 'check_violation', CONSTRAINT = 'enrollments_capacity'; END; $$ LANGUAGE plpgsql`);
    await ctx.db.raw('CREATE TRIGGER test_refuse_as_full BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION test_refuse_as_full()');
    try {
      const response = await agent.post('/account/language').type('form').send({ lang: 'en', _csrf: csrfTokenIn(page.text) });
      expect(response.status).toBe(409);
      expect(textOf(response.text)).toContain('Das Angebot ist inzwischen ausgebucht');
    } finally {
      await ctx.db.raw('DROP TRIGGER test_refuse_as_full ON users');
      await ctx.db.raw('DROP FUNCTION test_refuse_as_full()');
    }
  });
});
