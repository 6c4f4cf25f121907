import { anonymisePerson } from '../../src/privacy/erasure.service';
import { useTestApp, type TestContext } from '../support/app';
import { countQueries } from '../support/database';
import { loginAs, textOf, type Agent } from '../support/http';
import { createReportsFixture, type ReportsFixture } from './reports.fixture';

/*
 * The start page's completions and people at risk at county scale come from a snapshot
 * (report_completion_snapshots) shared by all instances. With reports.fixture.ts for 2025 and no
 * make-up dates: 3 completions; at risk Olaf Özkan (missed module 2) and Paul Pütz (missed both).
 * Once Paul attends both sessions: 4 completions, only Olaf at risk.
 */
const URL = '/reports/overview?year=2025';

function completionsOn(html: string): string {
  return textOf(html.split('data-start="completions">')[1]!.split('<')[0]!);
}

function atRiskOn(html: string): string {
  return textOf(html.split('id="start-risk-heading"')[1]!.split('id="start-sheets-heading"')[0]!);
}

async function paulAttendsBoth(ctx: TestContext, fixture: ReportsFixture): Promise<void> {
  const paul = (await ctx.db('users').first('id').where({ last_name: 'Pütz' })) as { id: number };
  await ctx.db('attendance_records').where({ user_id: paul.id }).whereIn('session_id', fixture.sessions.slice(0, 2)).update({ status: 'present' });
}

describe('start page figures from the snapshot (REPORT_FIGURES_MAX_AGE_SECONDS=300)', () => {
  const ctx = useTestApp({ REPORT_FIGURES_MAX_AGE_SECONDS: '300' });
  let fixture: ReportsFixture;
  let agent: Agent;

  beforeEach(async () => {
    fixture = await createReportsFixture(ctx.db);
    agent = await loginAs(ctx.app, fixture.coordinator);
  });

  it('reuses completions and people at risk within the age, says as of when, and costs fewer statements', async () => {
    // The first view after login also stores the session: look at another year first.
    await agent.get('/reports/overview?year=2024').expect(200);
    let first = '';
    const computing = await countQueries(ctx.db, async () => {
      first = (await agent.get(URL).expect(200)).text;
    });
    expect(completionsOn(first)).toBe('3');
    expect(atRiskOn(first)).toContain('Abschluss gefährdet: 2 Personen');
    expect(textOf(first)).toMatch(/Abschlüsse und gefährdete Abschlüsse – Stand: \d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr/);

    await paulAttendsBoth(ctx, fixture);
    let second = '';
    const reusing = await countQueries(ctx.db, async () => {
      second = (await agent.get(URL).expect(200)).text;
    });
    // Within five minutes the snapshot stands: the change shows at the next computation.
    expect(completionsOn(second)).toBe('3');
    expect(atRiskOn(second)).toContain('Pütz, Paul');
    expect(textOf(second)).toContain('Stand:');
    expect(reusing).toBeLessThan(computing);
    expect(computing).toBeLessThanOrEqual(6);
    // Everything else is read fresh: Paul's two marks now count as attended (8 of 10).
    expect(textOf(second)).toContain('80 % (8 von 10 Einträgen)');
  });

  it('keeps no names in the snapshot: the list names people as they are now, an anonymised one as such', async () => {
    await agent.get(URL).expect(200);
    const rows = (await ctx.db('report_completion_snapshots').select('*')) as { scope: string; completions: number; at_risk: unknown; at_risk_count: number }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ scope: '2025:all', completions: 3, at_risk_count: 2 });
    const stored = JSON.stringify(rows[0]);
    for (const name of ['Olaf', 'Özkan', 'Paul', 'Pütz']) expect(stored).not.toContain(name);

    const paul = (await ctx.db('users').first('id').where({ last_name: 'Pütz' })) as { id: number };
    await ctx.db.transaction((trx) => anonymisePerson(trx, paul.id, new Date()));
    const list = atRiskOn((await agent.get(URL).expect(200)).text);
    expect(list).toContain('Abschluss gefährdet: 2 Personen');
    expect(list).toContain('Person, Gelöschte');
    expect(list).not.toContain('Pütz');
  });

  it('keeps one snapshot per year and programme', async () => {
    await agent.get(URL).expect(200);
    await agent.get(`${URL}&programme=${fixture.workshopId}`).expect(200);
    await agent.get(URL).expect(200);
    const scopes = (await ctx.db('report_completion_snapshots').orderBy('scope').pluck('scope')) as string[];
    expect(scopes).toEqual(['2025:all', `2025:${fixture.workshopId}`].sort());
  });
});

describe('start page figures without a snapshot (REPORT_FIGURES_MAX_AGE_SECONDS=0)', () => {
  const ctx = useTestApp({ REPORT_FIGURES_MAX_AGE_SECONDS: '0' });

  it('computes completions and people at risk on every view and stores nothing', async () => {
    const fixture = await createReportsFixture(ctx.db);
    const agent = await loginAs(ctx.app, fixture.coordinator);
    const first = (await agent.get(URL).expect(200)).text;
    expect(completionsOn(first)).toBe('3');
    expect(textOf(first)).not.toContain('Stand:');

    await paulAttendsBoth(ctx, fixture);
    const second = (await agent.get(URL).expect(200)).text;
    expect(completionsOn(second)).toBe('4');
    expect(atRiskOn(second)).toContain('Abschluss gefährdet: 1 Person');
    expect(atRiskOn(second)).not.toContain('Pütz');
    expect(await ctx.db('report_completion_snapshots').count({ n: '*' }).first()).toEqual({ n: 0 });
  });
});
