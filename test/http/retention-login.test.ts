import { useTestApp } from '../support/app';
import { createUser } from '../support/factories';
import { newAgent, submitForm } from '../support/http';

describe('a failed login stores nothing of what was typed', () => {
  const ctx = useTestApp();

  it('keeps a password typed into the e-mail field out of the audit trail', async () => {
    const agent = newAgent(ctx.app);
    const response = await submitForm(agent, '/login', '/login', { email: 'Geheim-Passwort-123!', password: 'irgendwas' });
    expect(response.status).toBe(422);
    const entries = await ctx.db('audit_events').where('action', 'login.failed');
    expect(entries).toHaveLength(1);
    expect(JSON.stringify(entries)).not.toContain('Geheim-Passwort-123!');
    expect(entries[0].after).toEqual({ reason: 'invalid' });
    expect(entries[0].subject_id).toBeNull();
  });

  it('names the account (not the typed text) when one exists', async () => {
    const person = await createUser(ctx.db);
    const response = await submitForm(newAgent(ctx.app), '/login', '/login', { email: person.email.toUpperCase(), password: 'falsches-Passwort' });
    expect(response.status).toBe(422);
    const [entry] = await ctx.db('audit_events').where('action', 'login.failed');
    expect(entry.subject_type).toBe('user');
    expect(entry.subject_id).toBe(String(person.id));
    expect(JSON.stringify(entry.after)).not.toContain(person.email.toUpperCase());
  });
});
