import { recordAudit, systemActor } from '../../src/audit/audit.service';
import { useTestApp } from '../support/app';
import { createUser } from '../support/factories';
import { loginAs, newAgent, submitForm } from '../support/http';

describe('audit trail', () => {
  const ctx = useTestApp();

  it('records who did what, from where and in which request', async () => {
    const user = await createUser(ctx.db);
    const agent = newAgent(ctx.app);
    const response = await submitForm(agent, '/login', '/login', { email: user.email, password: user.password });
    expect(response.status).toBe(303);
    const [row] = await ctx.db('audit_events').where({ action: 'login' });
    expect(row).toMatchObject({ actor_user_id: user.id, subject_type: 'user', subject_id: String(user.id), request_id: response.headers['x-request-id'] });
    expect(row.ip).toMatch(/127\.0\.0\.1|::1/);
    expect(row.occurred_at).toBeInstanceOf(Date);
  });

  it('is append-only: UPDATE and DELETE on audit_events fail and the rows stay as written', async () => {
    const admin = await createUser(ctx.db, { role: 'admin' });
    await loginAs(ctx.app, admin);
    await recordAudit(ctx.db, systemActor, { action: 'test.entry', subjectType: 'user', subjectId: admin.id, after: { note: 'original' } });
    const before = await ctx.db('audit_events').orderBy('id');
    expect(before.map((row) => row.action)).toEqual(['login', 'test.entry']);

    await expect(ctx.db('audit_events').where({ action: 'login' }).update({ actor_user_id: null })).rejects.toThrow(/audit_events is append-only/);
    await expect(ctx.db('audit_events').update({ after: JSON.stringify({ note: 'changed' }) })).rejects.toThrow(/audit_events is append-only/);
    await expect(ctx.db('audit_events').where({ action: 'test.entry' }).delete()).rejects.toThrow(/audit_events is append-only/);
    await expect(ctx.db.raw('DELETE FROM audit_events')).rejects.toThrow(/audit_events is append-only/);

    expect(await ctx.db('audit_events').orderBy('id')).toEqual(before);
  });

  it('rolls the entry back with the change it records', async () => {
    await expect(
      ctx.db.transaction(async (trx) => {
        await recordAudit(trx, systemActor, { action: 'test.rolled_back' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await ctx.db('audit_events').where({ action: 'test.rolled_back' })).toHaveLength(0);
  });
});
