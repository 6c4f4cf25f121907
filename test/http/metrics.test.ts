import request from 'supertest';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/http/logger';
import { startJobs } from '../../src/jobs/jobs';
import { useTestApp, testConfig } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { openTestDatabase, testDatabaseUrl } from '../support/database';

const TOKEN = 'metrics-test-token-0123456789abcdef';
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The value of one sample line (`name{labels} value`), or undefined when the line is missing. */
function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics with a token configured', () => {
  const ctx = useTestApp({ METRICS_TOKEN: TOKEN });
  const scrape = async () => {
    const response = await request(ctx.app).get('/metrics').set(bearer(TOKEN));
    expect(response.status).toBe(200);
    return response.text;
  };

  it('answers only a request that brings the token', async () => {
    const none = await request(ctx.app).get('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.text).not.toContain('http_request_duration_seconds');
    expect((await request(ctx.app).get('/metrics').set(bearer(`${TOKEN}x`))).status).toBe(401);
    expect((await request(ctx.app).get('/metrics').set(bearer(TOKEN.slice(0, -1)))).status).toBe(401);
    expect((await request(ctx.app).get('/metrics').set('Authorization', TOKEN)).status).toBe(401);

    const response = await request(ctx.app).get('/metrics').set(bearer(TOKEN));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('times requests under their route pattern, never under the URL with its ids and tokens', async () => {
    const offering = await createOffering(ctx.db);
    const resetToken = 'Zr3sEtT0kEn-never-in-metrics';
    expect((await request(ctx.app).get(`/offerings/${offering.id}`)).status).toBe(200);
    await request(ctx.app).get(`/offerings/${offering.id}`);
    expect((await request(ctx.app).get(`/password/reset/${resetToken}`)).status).toBe(410);
    expect((await request(ctx.app).get('/calendar/Ca1endarSecret99.ics')).status).toBe(404);
    expect((await request(ctx.app).get('/no-such-page/UnknownSecret77')).status).toBe(404);

    const metrics = await scrape();
    expect(sample(metrics, 'http_request_duration_seconds_count{method="GET",route="/offerings/:id",status_code="200"}')).toBe(2);
    expect(sample(metrics, 'http_request_duration_seconds_count{method="GET",route="/password/reset/:token",status_code="410"}')).toBe(1);
    expect(sample(metrics, 'http_request_duration_seconds_count{method="GET",route="/calendar/:token.ics",status_code="404"}')).toBe(1);
    expect(sample(metrics, 'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}')).toBeGreaterThanOrEqual(1);
    for (const secret of [`/offerings/${offering.id}`, resetToken, 'Ca1endarSecret99', 'UnknownSecret77', TOKEN]) expect(metrics).not.toContain(secret);
  });

  it('shows the database pool, the mail deliveries and the process memory', async () => {
    const before = await scrape();
    expect(sample(before, 'kokoma_db_pool_connections{state="used"}')).toBeGreaterThanOrEqual(0);
    expect(sample(before, 'kokoma_db_pool_connections{state="free"}')).toBeGreaterThanOrEqual(0);
    expect(sample(before, 'kokoma_db_pool_connections{state="pending_acquires"}')).toBe(0);
    expect(sample(before, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    const sentBefore = sample(before, 'kokoma_mail_deliveries_total{outcome="sent"}')!;
    const retryingBefore = sample(before, 'kokoma_mail_deliveries_total{outcome="retrying"}')!;

    await ctx.outbox.queue(ctx.db, [{ to: 'eine@gemeinde.example', subject: 'Erinnerung', text: 'Hallo', html: '<p>Hallo</p>' }]);
    await ctx.deliverMail();
    ctx.transportDown = true;
    await ctx.outbox.queue(ctx.db, [{ to: 'zwei@gemeinde.example', subject: 'Erinnerung', text: 'Hallo', html: '<p>Hallo</p>' }]);
    await ctx.deliverMail();

    const after = await scrape();
    expect(sample(after, 'kokoma_mail_deliveries_total{outcome="sent"}')).toBe(sentBefore + 1);
    expect(sample(after, 'kokoma_mail_deliveries_total{outcome="retrying"}')).toBe(retryingBefore + 1);
  });

  it('shows the job queue: waiting runs and failed runs per job', async () => {
    const config = testConfig({ METRICS_TOKEN: TOKEN });
    const logger = createLogger(config);
    const db = openTestDatabase();
    const built = createApp({ config, db, databaseUrl: testDatabaseUrl(), logger, mailer: { send: async () => undefined, close: () => undefined } });
    const jobs = await startJobs(
      testDatabaseUrl(),
      [
        {
          name: 'metrics-test-failing',
          cron: '0 3 * * *',
          run: async () => {
            throw new Error('the job failed on purpose');
          },
        },
      ],
      logger,
    );
    try {
      built.watchJobs(jobs.stats);
      const failures = async () => sample((await request(built.app).get('/metrics').set(bearer(TOKEN))).text, 'kokoma_job_failures_total{job="metrics-test-failing"}');
      expect(await failures()).toBe(0);
      await jobs.runNow('metrics-test-failing');
      while (((await failures()) ?? 0) < 1) await new Promise((resolve) => setTimeout(resolve, 200));
      const metrics = (await request(built.app).get('/metrics').set(bearer(TOKEN))).text;
      expect(sample(metrics, 'kokoma_job_queue_depth{job="metrics-test-failing"}')).toBeGreaterThanOrEqual(0);
      expect(sample(metrics, 'kokoma_job_failures_total{job="metrics-test-failing"}')).toBeGreaterThanOrEqual(1);
    } finally {
      await jobs.stop();
      await built.close();
      await db.destroy();
    }
  });
});

describe('/metrics without a token configured', () => {
  const ctx = useTestApp();

  it('does not exist', async () => {
    const response = await request(ctx.app).get('/metrics').set(bearer(TOKEN));
    expect(response.status).toBe(404);
    expect(response.text).not.toContain('http_request_duration_seconds');
  });
});
