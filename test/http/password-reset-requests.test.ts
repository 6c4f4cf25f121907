import { createPasswordResetRequests, passwordResetRequestsJob } from '../../src/accounts/password-reset-requests';
import { useTestApp } from '../support/app';
import { createUser } from '../support/factories';
import { newAgent, submitForm } from '../support/http';

/** "Passwort vergessen" is acknowledged at once; what was acknowledged is handled even if the process died right after. */
describe('password reset requests', () => {
  const ctx = useTestApp();

  it('are stored before the answer and handled once, also by the job after a crash', async () => {
    const user = await createUser(ctx.db, { firstName: 'Tobias' });
    // As left by an instance that answered and then died before handling them.
    await ctx.db('password_reset_requests').insert([
      { email: user.email, actor_ip: '203.0.113.7', request_id: 'req-12345678' },
      { email: 'niemand@gemeinde.example', actor_ip: '203.0.113.7', request_id: 'req-87654321' },
    ]);
    const job = passwordResetRequestsJob(createPasswordResetRequests({ db: ctx.db, outbox: ctx.outbox, config: ctx.config }));
    await Promise.all([job.run(), job.run()]);
    await ctx.deliverMail();

    expect(ctx.mailbox.map((mail) => [mail.to, mail.subject])).toEqual([[user.email, 'Passwort zurücksetzen']]);
    expect(await ctx.db('password_reset_requests').count({ count: '*' }).first()).toEqual({ count: 0 });
    const audit = await ctx.db('audit_events').where({ action: 'password_reset.requested' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ subject_id: String(user.id), ip: '203.0.113.7', request_id: 'req-12345678' });
  });

  it('keep nothing of an unknown address once handled', async () => {
    const response = await submitForm(newAgent(ctx.app), '/password/forgot', '/password/forgot', { email: 'unbekannt@gemeinde.example' });
    expect(response.status).toBe(303);
    await ctx.deliverMail();
    expect(await ctx.db('password_reset_requests').count({ count: '*' }).first()).toEqual({ count: 0 });
    expect(ctx.mailbox).toEqual([]);
  });
});
