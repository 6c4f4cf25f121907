import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBenchServer, type BenchDatabase } from './lib/bench-databases';
import { countyPages, type CountyPage, type Who } from './lib/county-pages';
import { BENCH_PASSWORD, COUNTY, SMALL_DISTRICT, countRows, seedDistrict, type DistrictSize, type SeededDistrict } from './lib/county-seed';
import { loginAt } from './lib/harness';
import { writeResultsSection } from './lib/results';

const COUNTY_HEADING = '## County scale (issue 11): `npm run bench -- county`';
import { load, postgresCpuMs, settle, startProcess, type LoadResult, type ServerProcess } from './lib/processes';

/**
 * Issue 11's county-scale benchmark: seeds a county and a small district (set-based SQL,
 * through the real migrations), runs the app in a production-mode process of its own
 * and a bare Express + EJS page in another, loads each page with autocannon (16
 * connections, 127.0.0.1 only), counts the SQL statements of one page view at both sizes,
 * records the server's RSS and writes the table to bench/RESULTS.md.
 */
const SECONDS_PER_PAGE = Number(process.env.BENCH_SECONDS ?? 5);
/** Slow pages get longer, so each of the 16 connections completes a couple of views (else only the fastest few would count). */
const MAX_SECONDS_PER_PAGE = 30;
const secondsFor = (viewMs: number) => Math.min(MAX_SECONDS_PER_PAGE, Math.max(SECONDS_PER_PAGE, Math.ceil((16 * 2 * viewMs) / 1000)));
const MB = 1024 * 1024;

type Page = CountyPage;

/**
 * `BENCH_PAGES=roll npm run bench -- county` measures only the pages whose label contains
 * "roll" (while working on one page); such a partial run prints its table but leaves
 * bench/RESULTS.md as it was.
 */
const ONLY_PAGES = process.env.BENCH_PAGES?.toLowerCase();

function pagesOf(seeded: SeededDistrict, size: DistrictSize): Page[] {
  return countyPages(seeded, size).filter((page) => !ONLY_PAGES || page.label.toLowerCase().includes(ONLY_PAGES));
}

type ViewFacts = { status: number; bytes: number; statements: number; viewMs: number };
type District = { size: DistrictSize; database: BenchDatabase; seeded: SeededDistrict; seedSeconds: number; rows: Record<string, number> };

/** Production cookies are Secure: the app sees HTTPS through the proxy header, as behind the real proxy. */
async function headersFor(server: ServerProcess, seeded: SeededDistrict): Promise<Record<Who, Record<string, string>>> {
  const base = { 'x-forwarded-proto': 'https' };
  const as = async (email: string) => ({ ...base, cookie: await loginAt(server.baseUrl, email, BENCH_PASSWORD) });
  return { anonymous: base, coordinator: await as(seeded.coordinatorEmail), admin: await as(seeded.adminEmail), participant: await as(seeded.participantEmail) };
}

/**
 * One page view's status, size and SQL statements. The page is fetched three times; the
 * first warms templates and pools (and may write the session's activity stamp, at most
 * once a minute), the fewer of the next two is reported.
 */
async function viewFacts(server: ServerProcess, page: Page, headers: Record<string, string>): Promise<ViewFacts> {
  const counts: number[] = [];
  let status = 0;
  let bytes = 0;
  let viewMs = 0;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const before = await server.statements();
    const start = Date.now();
    const response = await fetch(`${server.baseUrl}${page.path}`, { headers, redirect: 'manual' });
    bytes = (await response.arrayBuffer()).byteLength;
    status = response.status;
    viewMs = Date.now() - start;
    // Let work the app finishes after the last byte (session save) land in this view's count.
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (attempt > 0) counts.push((await server.statements()) - before);
  }
  return { status, bytes, statements: Math.min(...counts), viewMs };
}

async function seed(server: Awaited<ReturnType<typeof startBenchServer>>, size: DistrictSize): Promise<District> {
  const start = process.hrtime.bigint();
  const database = await server.createDatabase(size.label);
  const migrated = process.hrtime.bigint();
  const seeded = await seedDistrict(database.db, size);
  const seedSeconds = Number(process.hrtime.bigint() - migrated) / 1e9;
  const rows = await countRows(database.db);
  console.log(`${size.label}: migrated in ${(Number(migrated - start) / 1e9).toFixed(1)} s, seeded in ${seedSeconds.toFixed(1)} s:`, rows);
  return { size, database, seeded, seedSeconds, rows };
}

async function main(): Promise<void> {
  const server = await startBenchServer();
  try {
    const small = await seed(server, SMALL_DISTRICT);
    const county = await seed(server, COUNTY);

    // PostgreSQL's CPU per page view counts too: the app could look cheap by pushing work into the database.
    const databaseCpu = server.postmasterPid ? () => postgresCpuMs(server.postmasterPid!) : undefined;
    const before = await measureBare();

    const smallFacts = new Map<number, ViewFacts>();
    const app = await startProcess('counting-serve.ts', { DATABASE_URL: small.database.url });
    try {
      const headers = await headersFor(app, small.seeded);
      for (const [index, page] of pagesOf(small.seeded, small.size).entries()) smallFacts.set(index, await viewFacts(app, page, headers[page.who]));
    } finally {
      await app.stop();
    }

    const rows: Row[] = [];
    // Errors the app logs under load (a 500 in the table) are kept for reading after the run.
    const serverLog = path.resolve(__dirname, '..', 'var', 'bench-county-server.log');
    fs.mkdirSync(path.dirname(serverLog), { recursive: true });
    fs.rmSync(serverLog, { force: true });
    const countyApp = await startProcess('counting-serve.ts', { DATABASE_URL: county.database.url, LOG_LEVEL: 'warn' }, serverLog);
    let idleRss: number;
    const sessionRowsBefore = await countSessions(county.database);
    try {
      idleRss = countyApp.rss();
      const headers = await headersFor(countyApp, county.seeded);
      for (const [index, page] of pagesOf(county.seeded, county.size).entries()) {
        await settle(countyApp);
        const facts = await viewFacts(countyApp, page, headers[page.who]);
        const seconds = secondsFor(facts.viewMs);
        const result = facts.status < 400 ? await load(countyApp, page.path, headers[page.who], seconds, databaseCpu) : undefined;
        const row: Row = { page, facts, small: smallFacts.get(index)!, result, seconds };
        rows.push(row);
        console.log(`${page.label}: ${facts.bytes} bytes, ${result ? `${result.requestsPerSecond.toFixed(1)} req/s` : `HTTP ${facts.status}`}`);
      }
    } finally {
      await countyApp.stop();
    }
    const serverWarnings = summariseLog(serverLog);
    console.log(`the app's warnings and errors under load: ${serverWarnings || 'none'} (${path.relative(process.cwd(), serverLog)})`);
    const sessionRows = { before: sessionRowsBefore, after: await countSessions(county.database) };
    const after = await measureBare();
    // Other work on the machine only ever slows the bare page down: the faster of its two runs is the reference.
    const baseline = [before, after].sort((a, b) => b.result.requestsPerSecond - a.result.requestsPerSecond)[0]!;
    for (const row of rows) console.log(formatRow(row, baseline.result));
    const report = renderReport({ small, county, bare: [before, after], baseline, rows, idleRss, sessionRows, serverWarnings });
    if (!ONLY_PAGES) writeResultsSection(COUNTY_HEADING, report);
    console.log(`\n${report}`);
  } finally {
    await server.close();
  }
}

const countSessions = async ({ db }: BenchDatabase) => Number((await db('http_sessions').count('* as count').first())?.count ?? 0);

/** "2 × database unavailable: answered 503 – Connection terminated … (GET /manage/offerings/1/enrollments)": the server log by message and page. */
function summariseLog(file: string): string {
  const counts = new Map<string, number>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { level: number; msg?: string; err?: { message?: string }; req?: { method?: string; url?: string }; res?: { statusCode?: number } };
    // pino-http's own line for every failed response repeats what the app already logged with its cause.
    if (entry.level < 40 || entry.err?.message?.startsWith('failed with status code')) continue;
    const cause = entry.err?.message ? ` – ${entry.err.message.slice(0, 100)}` : '';
    const key = `${entry.msg ?? `HTTP ${entry.res?.statusCode}`}${cause} (${entry.req?.method ?? ''} ${entry.req?.url ?? ''})`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${count} × ${key}`).join('; ');
}

type Bare = { result: LoadResult; bytes: number; loadAverage: number };

/** The bare baseline in its own process, measured in the same run on the same machine. */
async function measureBare(): Promise<Bare> {
  const bare = await startProcess('bare-server.ts');
  try {
    const bytes = (await (await fetch(bare.baseUrl)).arrayBuffer()).byteLength;
    await load(bare, '/', {}, 1);
    const result = await load(bare, '/', {}, SECONDS_PER_PAGE);
    const loadAverage = os.loadavg()[0]!;
    console.log(`bare Express + EJS (${kb(bytes)}): ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms (load average ${loadAverage.toFixed(1)})`);
    return { result, bytes, loadAverage };
  } finally {
    await bare.stop();
  }
}

type Row = { page: Page; facts: ViewFacts; small: ViewFacts; result: LoadResult | undefined; seconds: number };

const percent = (value: number, base: number) => `${((100 * value) / base).toFixed(1)} %`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

function formatRow(row: Row, baseline: LoadResult): string {
  const { page, facts, small, result, seconds } = row;
  const sql = `${small.statements} / ${facts.statements}`;
  const size = facts.status < 400 ? kb(facts.bytes) : `HTTP ${facts.status}`;
  if (!result) return `| ${page.label} | ${size} | – | – | – | – | – | – | ${sql} | – | page fails |`;
  if (result.requests === 0) return `| ${page.label} | ${size} | none completed in ${seconds} s | 0 % | > ${seconds} s | > ${seconds} s | – | – | ${sql} | ${(result.peakRss / MB).toFixed(0)} MB | all |`;
  const failed = result.failures ? ` (${result.failures})` : '';
  const misses = missedTargets(row, baseline);
  return `| ${page.label} | ${size} | ${result.requestsPerSecond.toFixed(1)}${failed}${seconds > SECONDS_PER_PAGE ? ` (${seconds} s)` : ''} | ${percent(result.requestsPerSecond, baseline.requestsPerSecond)} | ${result.p50} ms | ${result.p99} ms | ${cpuPerView(result)} | ${cpuShare(result, baseline)} | ${sql} | ${(result.peakRss / MB).toFixed(0)} MB | ${misses.join(', ') || 'none'} |`;
}

/** "1.9 + 0.8 ms": CPU one view costs in the app and in PostgreSQL. */
function cpuPerView(result: LoadResult): string {
  const database = result.databaseCpuMsPerRequest === undefined ? '' : ` + ${result.databaseCpuMsPerRequest.toFixed(1)}`;
  return `${result.appCpuMsPerRequest.toFixed(1)}${database} ms`;
}

/** The bare page's CPU per view as a share of this page's (app and PostgreSQL): unlike req/s, barely moved by other load. */
function cpuShare(result: LoadResult, baseline: LoadResult): string {
  const total = result.appCpuMsPerRequest + (result.databaseCpuMsPerRequest ?? 0);
  return total > 0 ? percent(baseline.appCpuMsPerRequest, total) : '–';
}

/** Issue 11's targets this page misses in this run. */
function missedTargets({ page, facts, small, result }: Row, baseline: LoadResult): string[] {
  const share = page.who === 'anonymous' ? 50 : page.manyRows ? 20 : 35;
  const misses: string[] = [];
  if (result && (100 * result.requestsPerSecond) / baseline.requestsPerSecond < share) misses.push(`≥ ${share} %`);
  if (result && result.p99 > 50) misses.push('p99 ≤ 50 ms');
  if (facts.statements > 6 || small.statements > 6) misses.push('≤ 6 SQL');
  if (facts.statements !== small.statements) misses.push('same SQL at both sizes');
  return misses;
}

function renderReport(run: { small: District; county: District; bare: [Bare, Bare]; baseline: Bare; rows: Row[]; idleRss: number; sessionRows: { before: number; after: number }; serverWarnings: string }): string {
  const { small, county, bare, rows, idleRss, sessionRows, serverWarnings } = run;
  const baseline = run.baseline.result;
  const bareLine = ({ result, loadAverage }: Bare) => `${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms (1-minute load average ${loadAverage.toFixed(1)})`;
  const describe = (district: District) =>
    `${district.rows.users} users (incl. 2 staff), ${district.rows.organisations} organisations, ${district.rows.offerings} offerings, ${district.rows.offering_sessions} sessions, ` +
    `${district.rows.enrollments} enrollments, ${district.rows.attendance_records} attendance rows, ${district.rows.certificates} certificates (seeded in ${district.seedSeconds.toFixed(1)} s)`;
  return [
    COUNTY_HEADING,
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} cores, Node ${process.version}. The app runs in its own`,
    `production-mode process (\`--max-old-space-size=256\`, as \`npm start\`); autocannon with 16 connections, ${SECONDS_PER_PAGE} s per page`,
    `(up to ${MAX_SECONDS_PER_PAGE} s for slow pages, so every connection completes a couple of views: the figure in brackets), on 127.0.0.1.`,
    '',
    `- County: ${describe(county)}.`,
    `- Small district: ${describe(small)}.`,
    '- Shape (bench/lib/county-seed.ts): three programmes (a five-module series with 60 % of the offerings, a workshop with 30 %,',
    '  a Fachtag with 10 %), five weekly sessions per offering, the last tenth of the offerings in the future. The coordinator pages',
    `  show offering 1 (${county.size.bigOfferingPeople} confirmed, a tenth more waitlisted, all with a certificate) and offering 2 (${county.size.cohortPeople} confirmed, roll call of its first session);`,
    `  the participant is the one of offering 1 with the most enrollments (${county.seeded.participantEnrollments} in the county, ${small.seeded.participantEnrollments} in the small district).`,
    '  Stored certificates carry a complete snapshot but a tiny fixed dummy PDF (no page here reads the PDF).',
    `- Bare baseline (Express 5 + EJS, ${kb(bare[0].bytes)} page with layout and a 50-row table from memory, own process): ` +
      `before the pages ${bareLine(bare[0])}; after the pages ${bareLine(bare[1])}. The ratios are to the faster of the two, ` +
      `**${baseline.requestsPerSecond.toFixed(0)} req/s** (other work on the machine only slows it down).`,
    `- CPU: user + system time of the app process (and of PostgreSQL's processes) during the page's run, divided by the views completed;`,
    `  the bare page costs ${baseline.appCpuMsPerRequest.toFixed(2)} ms per view. "CPU of bare / CPU of page" is the req/s ratio the page would reach if CPU were all`,
    '  that limits it, independent of other load on the machine.',
    `- App server RSS right after start: ${(idleRss / MB).toFixed(0)} MB; the RSS column is the peak while that page was under load.`,
    '- SQL: statements one page view sends (session store and Knex, BEGIN/COMMIT included), small district / county;',
    '  counted in the server process by wrapping pg\'s `Client#query` (bench/lib/counting-serve.ts), the fewer of two warm views.',
    `- The app's warnings and errors during the run (its log at level warn): ${serverWarnings || 'none'}.`,
    `- Session rows (\`http_sessions\`) in the county database: ${sessionRows.before} before the pages were loaded, ${sessionRows.after} after (the three logins of the bench included).`,
    '',
    '| page | size | req/s | of bare | p50 | p99 | CPU / view (app + PostgreSQL) | CPU of bare / CPU of page | SQL small / county | RSS peak | targets missed |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => formatRow(row, baseline)),
    '',
    'Targets of issue 11 (the last column): anonymous pages ≥ 50 % of the bare baseline, logged-in pages ≥ 35 % (the four',
    'per-offering pages of hundreds of people ≥ 20 %), p99 ≤ 50 ms, ≤ 6 SQL statements per view and the same number at both sizes.',
    'The machine is shared while this runs (see the load averages): throughput figures vary by ±20 % or more between runs.',
    '',
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
