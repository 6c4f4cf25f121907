import { countyPages, type Who } from '../../bench/lib/county-pages';
import { BENCH_PASSWORD, SMALL_DISTRICT, seedDistrict, type DistrictSize } from '../../bench/lib/county-seed';
import { useTestApp } from '../support/app';
import { countQueries, truncateAll } from '../support/database';
import { loginAs, newAgent, type Agent } from '../support/http';

/** A village: a tenth of the small district, with the same shape. */
const VILLAGE: DistrictSize = {
  label: 'village',
  participants: 60,
  organisations: 2,
  offerings: 4,
  sessionsPerOffering: 5,
  enrollments: 120,
  attendanceRows: 400,
  certificates: 20,
  bigOfferingPeople: 10,
  cohortPeople: 8,
};

/** Issue 11: at most 6 statements per page view, session and user included. */
const BUDGET = 6;

/**
 * Every page of the county benchmark (bench/lib/county-pages.ts) sends the same number of SQL
 * statements in a village as in a district fifty times its size, and no more than the budget:
 * a page whose queries grow with the data (a query per row, per programme, per session) fails.
 */
describe('SQL statements per page view at two sizes', () => {
  const ctx = useTestApp();

  async function statementsPerPage(size: DistrictSize): Promise<Map<string, number>> {
    await truncateAll(ctx.db);
    const seeded = await seedDistrict(ctx.db, size);
    const agents: Record<Who, Agent> = {
      anonymous: newAgent(ctx.app),
      coordinator: await loginAs(ctx.app, { email: seeded.coordinatorEmail, password: BENCH_PASSWORD }),
      admin: await loginAs(ctx.app, { email: seeded.adminEmail, password: BENCH_PASSWORD }),
      participant: await loginAs(ctx.app, { email: seeded.participantEmail, password: BENCH_PASSWORD }),
    };
    const counts = new Map<string, number>();
    for (const page of countyPages(seeded, size)) {
      const agent = agents[page.who];
      // The first view may record the session's activity (at most once a minute); the second is the steady state.
      const first = await agent.get(page.path);
      expect({ page: page.label, status: first.status }).toEqual({ page: page.label, status: 200 });
      counts.set(page.label.replace(/\d+-person/, 'N-person'), await countQueries(ctx.db, () => agent.get(page.path).expect(200)));
    }
    return counts;
  }

  it('stays within the budget and does not grow with the district', async () => {
    const village = await statementsPerPage(VILLAGE);
    const district = await statementsPerPage(SMALL_DISTRICT);
    const table = [...village.keys()].map((page) => ({ page, village: village.get(page), district: district.get(page) }));
    expect(table.filter((row) => row.village !== row.district || row.district! > BUDGET)).toEqual([]);
  }, 120_000);
});
