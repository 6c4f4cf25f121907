import fs from 'node:fs';
import path from 'node:path';
import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createUser } from '../support/factories';
import { createOffering } from '../support/catalog-factories';
import { loginAs, submitForm, textOf } from '../support/http';
import { createRetentionService } from '../../src/privacy/retention.service';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('retention (Löschkonzept)', () => {
  const ctx = useTestApp();
  // The fake clock: 15 March 2031, 03:00 Berlin.
  const NOW = new Date('2031-03-15T02:00:00Z');
  const service = () => createRetentionService({ db: ctx.db, config: ctx.config, now: () => NOW });
  const ago = (ms: number) => new Date(NOW.getTime() - ms);

  async function auditRow(ip: string, at: Date) {
    // The trail is append-only: rows are inserted as the app would, with the time they happened.
    const [row] = await ctx.db('audit_events').insert({ action: 'test.entry', ip, occurred_at: at }).returning('id');
    return Number((row as { id: number }).id);
  }

  async function offeringEndedOn(endsAt: Date) {
    const offering = await createOffering(ctx.db, { sessions: 1 });
    await ctx.db('offering_sessions').where('id', offering.sessionIds[0]!).update({ starts_at: new Date(endsAt.getTime() - 7 * 3600_000), ends_at: endsAt });
    const person = await createUser(ctx.db);
    await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
    await ctx.db('attendance_records').insert({ session_id: offering.sessionIds[0]!, user_id: person.id, status: 'present', source: 'roll_call' });
    await ctx.db('excuses').insert({ session_id: offering.sessionIds[0]!, user_id: person.id, reason: 'Krank' });
    await ctx.db('material_visits').insert({ user_id: person.id, offering_id: offering.id });
    return offering;
  }

  it('removes exactly what each rule names and keeps what is just inside its limit', async () => {
    // Unverified registrations: 7 days.
    const oldUnverified = await createUser(ctx.db, { verified: false });
    const freshUnverified = await createUser(ctx.db, { verified: false });
    const verified = await createUser(ctx.db);
    await ctx.db('users').where('id', oldUnverified.id).update({ created_at: ago(7 * DAY_MS + 60_000) });
    await ctx.db('users').where('id', freshUnverified.id).update({ created_at: ago(7 * DAY_MS - 60_000) });
    await ctx.db('users').where('id', verified.id).update({ created_at: ago(400 * DAY_MS) });
    // Tokens: used or expired go; a running one stays.
    await ctx.db('account_tokens').insert([
      { user_id: verified.id, purpose: 'password_reset', token_hash: 'used', expires_at: new Date(NOW.getTime() + DAY_MS), used_at: ago(1000) },
      { user_id: verified.id, purpose: 'password_reset', token_hash: 'expired', expires_at: ago(1000) },
      { user_id: verified.id, purpose: 'password_reset', token_hash: 'running', expires_at: new Date(NOW.getTime() + DAY_MS) },
    ]);
    // Rate limits: expired more than 24 h ago.
    await ctx.db('rate_limits').insert([
      { key: 'old', points: 3, expire: NOW.getTime() - 24 * 3600_000 - 1000 },
      { key: 'recent', points: 3, expire: NOW.getTime() - 24 * 3600_000 + 60_000 },
    ]);
    // Audit IPs: shortened after 30 days.
    const oldV4 = await auditRow('192.168.17.42', ago(30 * DAY_MS + 60_000));
    const oldV6 = await auditRow('2001:db8:abcd:12:1:2:3:4', ago(31 * DAY_MS));
    const recent = await auditRow('10.1.2.3', ago(30 * DAY_MS - 60_000));
    // Funding records: offerings that ended in 2025 are kept through 2030 and removed from 2031.
    const expired = await offeringEndedOn(new Date('2025-12-31T15:00:00Z'));
    const kept = await offeringEndedOn(new Date('2026-01-02T15:00:00Z'));
    // Mail files: 30 days.
    fs.mkdirSync(ctx.config.mail.dir, { recursive: true });
    for (const name of fs.readdirSync(ctx.config.mail.dir)) fs.rmSync(path.join(ctx.config.mail.dir, name));
    const oldFile = path.join(ctx.config.mail.dir, 'old.eml');
    const newFile = path.join(ctx.config.mail.dir, 'new.eml');
    fs.writeFileSync(oldFile, 'To: a@b.example');
    fs.writeFileSync(newFile, 'To: a@b.example');
    fs.utimesSync(oldFile, ago(31 * DAY_MS), ago(31 * DAY_MS));
    fs.utimesSync(newFile, ago(29 * DAY_MS), ago(29 * DAY_MS));

    const counts = await service().applyAll();

    // accounts: the participant of the expired offering, whose records went first and who has not logged in since 2028.
    expect(counts).toEqual({ tokens: 2, unverifiedRegistrations: 1, rateLimits: 1, auditTrail: 2, fundingRecords: 4, mailFiles: 1, reportSnapshots: 0, erasureRequests: 0, accounts: 1 });
    expect((await ctx.db('users').select('id').orderBy('id')).map((row) => row.id)).not.toContain(oldUnverified.id);
    expect(await ctx.db('users').where('id', freshUnverified.id).first()).toBeDefined();
    expect((await ctx.db('account_tokens').select('token_hash')).map((row) => row.token_hash)).toEqual(['running']);
    expect((await ctx.db('rate_limits').select('key')).map((row) => row.key)).toEqual(['recent']);
    const ips = Object.fromEntries((await ctx.db('audit_events').whereIn('id', [oldV4, oldV6, recent]).select('id', 'ip')).map((row) => [row.id, row.ip]));
    expect(ips).toEqual({ [oldV4]: '192.168.17.0', [oldV6]: '2001:db8:abcd::', [recent]: '10.1.2.3' });
    for (const table of ['attendance_records', 'excuses']) {
      expect(await ctx.db(table).whereIn('session_id', expired.sessionIds).count('* as n').first()).toEqual({ n: 0 });
      expect(await ctx.db(table).whereIn('session_id', kept.sessionIds).count('* as n').first()).toEqual({ n: 1 });
    }
    expect(await ctx.db('enrollments').where('offering_id', expired.id).first()).toBeUndefined();
    expect(await ctx.db('enrollments').where('offering_id', kept.id).first()).toBeDefined();
    expect(await ctx.db('material_visits').where('offering_id', kept.id).first()).toBeDefined();
    expect(fs.existsSync(oldFile)).toBe(false);
    expect(fs.existsSync(newFile)).toBe(true);

    // One audit entry per run, counts only.
    const entries = await ctx.db('audit_events').where('action', 'retention.applied');
    expect(entries).toHaveLength(1);
    expect(entries[0].after).toEqual(counts);
    expect(entries[0].ip).toBeNull();
    // A second run finds nothing left.
    expect(await service().applyAll()).toEqual({ tokens: 0, unverifiedRegistrations: 0, rateLimits: 0, auditTrail: 0, fundingRecords: 0, mailFiles: 0, reportSnapshots: 0, erasureRequests: 0, accounts: 0 });
  });

  it('anonymises accounts three years without login once nothing about them is kept any more', async () => {
    const gone = await createUser(ctx.db, { firstName: 'Gundula', lastName: 'Gestern' });
    const justInside = await createUser(ctx.db, { firstName: 'Jana', lastName: 'Jüngst' });
    const withRecords = await createUser(ctx.db, { firstName: 'Rita', lastName: 'Rest' });
    await ctx.db('users').where('id', gone.id).update({ last_login_at: new Date('2028-03-14T12:00:00Z') });
    await ctx.db('users').where('id', justInside.id).update({ last_login_at: new Date('2028-03-16T12:00:00Z') });
    await ctx.db('users').where('id', withRecords.id).update({ last_login_at: new Date('2027-01-01T12:00:00Z') });
    // Rita's offering ended in 2026: its records are kept through 2031, so she is kept too.
    const offering = await createOffering(ctx.db, { sessions: 1 });
    await ctx.db('offering_sessions').where('id', offering.sessionIds[0]!).update({ starts_at: new Date('2026-06-01T08:00:00Z'), ends_at: new Date('2026-06-01T15:00:00Z') });
    await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: withRecords.id, status: 'confirmed' });

    const counts = await service().applyAll();

    expect(counts.accounts).toBe(1);
    const names = Object.fromEntries((await ctx.db('users').whereIn('id', [gone.id, justInside.id, withRecords.id]).select('id', 'last_name', 'email')).map((row) => [row.id, row]));
    expect(names[gone.id]).toMatchObject({ last_name: expect.not.stringContaining('Gestern'), email: `geloescht-${gone.id}@invalid` });
    expect(names[justInside.id]).toMatchObject({ last_name: 'Jüngst' });
    expect(names[withRecords.id]).toMatchObject({ last_name: 'Rest' });
    expect((await service().applyAll()).accounts).toBe(0);
  });

  it('keeps the audit trail append-only apart from shortening an IP address', async () => {
    const id = await auditRow('192.168.17.42', ago(40 * DAY_MS));
    await expect(ctx.db('audit_events').where('id', id).update({ ip: '1.2.3.4' })).rejects.toThrow(/append-only/);
    await expect(ctx.db('audit_events').where('id', id).update({ action: 'changed' })).rejects.toThrow(/append-only/);
    await expect(ctx.db('audit_events').where('id', id).update({ ip: ctx.db.raw('audit_shorten_ip(ip)'), action: 'x' })).rejects.toThrow(/append-only/);
    await expect(ctx.db('audit_events').where('id', id).delete()).rejects.toThrow(/append-only/);
  });

  it('shows the rules, the last run and what the next run removes, within the page budget', async () => {
    const admin = await createUser(ctx.db, { role: 'admin' });
    const agent = await loginAs(ctx.app, admin);
    const before = await agent.get('/admin/retention');
    expect(before.status).toBe(200);
    expect(textOf(before.text)).toContain('Noch kein Lauf.');
    await ctx.db('account_tokens').insert({ user_id: admin.id, purpose: 'password_reset', token_hash: 'spent', expires_at: new Date(Date.now() - 1000) });
    const small = await countQueries(ctx.db, () => agent.get('/admin/retention'));
    for (let n = 0; n < 20; n += 1) await auditRow(`10.0.0.${n + 1}`, new Date(Date.now() - 40 * DAY_MS));
    // The run itself on the real clock, as the job runs it.
    await createRetentionService({ db: ctx.db, config: ctx.config }).applyAll();
    await ctx.db('account_tokens').insert({ user_id: admin.id, purpose: 'password_reset', token_hash: 'spent2', expires_at: new Date(Date.now() - 1000) });
    await ctx.db('account_tokens').insert({ user_id: admin.id, purpose: 'password_reset', token_hash: 'spent3', expires_at: new Date(Date.now() - 1000) });
    const large = await countQueries(ctx.db, () => agent.get('/admin/retention'));
    expect(small).toBeLessThanOrEqual(6);
    expect(large).toBe(small);
    const page = await agent.get('/admin/retention');
    const text = textOf(page.text);
    expect(text).toMatch(/Begonnen am \d{2}\.\d{2}\.\d{4}/);
    const row = (category: string) => textOf(page.text.match(new RegExp(`<tr[^>]*data-category="${category}"[\\s\\S]*?</tr>`))![0]);
    // Last run removed one spent token; two more are due now.
    expect(row('tokens')).toMatch(/Einmal-Links.* 1 2$/);
    expect(row('auditTrail')).toMatch(/30 Tage.* 20 0$/);
    expect(row('fundingRecords')).toContain('5 Jahre nach Ende des Jahres');
  });

  it('"Jetzt ausführen" queues a run on the job queue', async () => {
    const admin = await createUser(ctx.db, { role: 'admin' });
    const agent = await loginAs(ctx.app, admin);
    const response = await submitForm(agent, '/admin/retention', '/admin/retention/run', {});
    expect(response.status).toBe(303);
    const { rows } = await ctx.db.raw("SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'privacy-retention' AND state = 'created'");
    expect(rows[0].n).toBeGreaterThanOrEqual(1);
    expect(textOf((await agent.get('/admin/retention')).text)).toContain('in die Warteschlange gestellt');
    expect(await ctx.db('audit_events').where({ action: 'retention.requested', actor_user_id: admin.id }).first()).toBeDefined();
  });
});
