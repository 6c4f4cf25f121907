import { useTestApp } from '../support/app';
import { createUser } from '../support/factories';
import { loginAs, newAgent, textOf } from '../support/http';
import { createRetentionService } from '../../src/privacy/retention.service';

const HOUR_MS = 60 * 60 * 1000;

/**
 * Two kinds of data that had no end: the proof that an erasure request was handled, and the
 * coordinator's cached figures with the ids of people at risk.
 */
describe('retention of erasure proofs and cached report figures', () => {
  const ctx = useTestApp();
  const NOW = new Date('2031-03-15T02:00:00Z');
  const service = () => createRetentionService({ db: ctx.db, config: ctx.config, now: () => NOW });

  async function handledRequest(completedAt: Date | null) {
    const person = await createUser(ctx.db);
    await ctx.db('erasure_requests').insert({ user_id: person.id, requested_at: new Date('2027-01-01T10:00:00Z'), status: completedAt ? 'completed' : 'open', completed_at: completedAt });
    return person.id;
  }

  async function snapshot(scope: string, computedAt: Date) {
    await ctx.db('report_completion_snapshots').insert({ scope, year: 2031, programme_id: null, computed_at: computedAt, completions: 3, at_risk: JSON.stringify([{ userId: 1, offeringTitle: 'Reihe', missingModules: ['Modul 2'] }]), at_risk_count: 1 });
  }

  it('deletes handled erasure requests three years after they were handled, never open ones, and day-old cached figures', async () => {
    const old = await handledRequest(new Date('2028-03-15T01:59:00Z'));
    const recent = await handledRequest(new Date('2028-03-15T02:01:00Z'));
    const open = await handledRequest(null);
    await snapshot('2031:all', new Date(NOW.getTime() - 24 * HOUR_MS - 60_000));
    await snapshot('2030:all', new Date(NOW.getTime() - 23 * HOUR_MS));

    const counts = await service().applyAll();

    expect(counts).toMatchObject({ erasureRequests: 1, reportSnapshots: 1 });
    expect((await ctx.db('erasure_requests').select('user_id').orderBy('user_id')).map((row) => row.user_id)).toEqual([recent, open]);
    expect(old).toBeLessThan(recent);
    expect((await ctx.db('report_completion_snapshots').select('scope')).map((row) => row.scope)).toEqual(['2030:all']);
  });

  it('lists both rules on the retention page with what the next run removes', async () => {
    await handledRequest(new Date('2020-01-01T00:00:00Z'));
    await snapshot('2026:all', new Date(Date.now() - 48 * HOUR_MS));
    const admin = await createUser(ctx.db, { role: 'admin' });
    const agent = await loginAs(ctx.app, admin);
    const page = await agent.get('/admin/retention');
    expect(page.status).toBe(200);
    const row = (category: string) => textOf(page.text.match(new RegExp(`<tr[^>]*data-category="${category}"[\\s\\S]*?</tr>`))![0]);
    expect(row('erasureRequests')).toMatch(/^Erledigte Löschanträge 3 Jahre nach Erledigung gelöscht .* 1$/);
    expect(row('reportSnapshots')).toMatch(/^Zwischengespeicherte Kennzahlen der Startseite 24 Stunden gelöscht .* 1$/);
  });

  it('the privacy notice names both categories with their periods', async () => {
    const text = textOf((await newAgent(ctx.app).get('/datenschutz')).text);
    expect(text).toContain('Löschanträge');
    expect(text).toContain('3 Jahre nach Erledigung des Antrags');
    expect(text).toContain('Zwischengespeicherte Kennzahlen');
  });
});
