import request from 'supertest';
import { createApp } from '../../src/app';
import { createDatabase, migrateToLatest, type Database } from '../../src/db/database';
import { createLogger } from '../../src/http/logger';
import { startJobs } from '../../src/jobs/jobs';
import type { Mailer } from '../../src/mail/mailer';
import { testConfig } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { csrfTokenIn, loginAs, textOf, type Agent } from '../support/http';
import { startThrowawayCluster, type ThrowawayCluster } from '../support/throwaway-cluster';

/**
 * The database goes away (connections terminated, a restart, a server that stops
 * answering) while people use the app. The app must not crash, must tell people in
 * German that it cannot serve right now, must recover by itself, and must not lose a
 * write it acknowledged. This suite runs on a PostgreSQL cluster of its own.
 */
describe('database faults', () => {
  const DATABASE = 'kokoma_faults';
  let cluster: ThrowawayCluster;
  let db: Database;
  let app: ReturnType<typeof createApp>;
  let jobs: Awaited<ReturnType<typeof startJobs>>;
  let agent: Agent;
  let csrf: string;
  let offeringIds: number[];
  let nextOffering = 0;
  const config = testConfig();
  const logger = createLogger(config);

  beforeAll(async () => {
    cluster = await startThrowawayCluster();
    await cluster.createDatabase(DATABASE);
    const setup = createDatabase(cluster.url(DATABASE), { max: 2 });
    await migrateToLatest(setup);
    await setup.destroy();
    // The app as server.ts builds it: request timeouts on, every pool of its own.
    db = createDatabase(cluster.url(DATABASE), { max: 10, timeouts: config.database.timeouts, logger });
    const mailer: Mailer = { send: async () => undefined, close: () => undefined };
    app = createApp({ config, db, databaseUrl: cluster.url(DATABASE), logger, mailer });
    jobs = await startJobs(cluster.url(DATABASE), [], logger);

    const user = await createUser(db);
    offeringIds = [];
    for (let index = 0; index < 250; index += 1) offeringIds.push((await createOffering(db, { capacity: 50, title: `Workshop ${index}` })).id);
    agent = await loginAs(app.app, user);
    csrf = csrfTokenIn((await agent.get('/my/dates')).text);
  }, 120_000);

  afterAll(async () => {
    cluster?.resume();
    await jobs?.stop();
    await app?.close();
    await db?.destroy();
    await cluster?.destroy();
  }, 60_000);

  /** Enrolls in the next unused offering; a 303 is the acknowledgement the person sees. */
  async function enrollOnce(): Promise<{ offeringId: number; status: number; text: string; retryAfter?: string }> {
    const offeringId = offeringIds[nextOffering++]!;
    const response = await agent.post(`/offerings/${offeringId}/enroll`).type('form').send({ _csrf: csrf });
    return { offeringId, status: response.status, text: textOf(response.text), retryAfter: response.headers['retry-after'] };
  }

  it('survives the termination of all its connections and serves the next requests', async () => {
    // Fill the pools (Knex, session store, job queue) with idle connections first.
    await Promise.all([agent.get('/my/dates'), agent.get('/my/dates'), request(app.app).get('/healthz')]);
    const terminated = await cluster.terminateConnections(DATABASE);
    expect(terminated).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const page = await agent.get('/my/dates');
    expect(page.status).toBe(200);
    expect((await request(app.app).get('/healthz')).body).toEqual({ status: 'ok', db: 'ok' });
  });

  it('answers German 503 pages during a restart under parallel writes, recovers by itself and keeps every acknowledged write', async () => {
    const results: Awaited<ReturnType<typeof enrollOnce>>[] = [];
    let restarted = false;
    const afterRestart: number[] = [];
    const writer = async () => {
      // Four people keep writing until 5 writes after the restart have gone through each.
      let successesAfterRestart = 0;
      while (successesAfterRestart < 5 && nextOffering < offeringIds.length) {
        const result = await enrollOnce();
        results.push(result);
        if (restarted) {
          afterRestart.push(result.status);
          if (result.status === 303) successesAfterRestart += 1;
        }
        // Like a person reading the 503 page, a refused writer waits before the next try.
        await new Promise((resolve) => setTimeout(resolve, result.status === 503 ? 150 : 20));
      }
    };
    const writers = Promise.all([writer(), writer(), writer(), writer()]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await cluster.stop();
    // While the database is down: pages and writes get a German 503 with Retry-After.
    const duringOutage = await agent.get('/my/dates');
    const healthDuringOutage = await request(app.app).get('/healthz');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await cluster.start();
    restarted = true;
    await writers;

    expect(duringOutage.status).toBe(503);
    expect(duringOutage.headers['retry-after']).toBe('30');
    expect(textOf(duringOutage.text)).toContain('Die Datenbank ist gerade nicht erreichbar');
    expect(healthDuringOutage.body).toEqual({ status: 'error', db: 'down' });

    const refused = results.filter((result) => result.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const result of refused) {
      expect(result.text).toContain('Die Datenbank ist gerade nicht erreichbar');
      expect(result.text).toContain('ob Ihre Eingabe gespeichert wurde');
      expect(result.retryAfter).toBe('30');
    }
    expect(results.every((result) => result.status === 303 || result.status === 503)).toBe(true);
    // Recovered without restarting the app: the writes after the restart went through.
    expect(afterRestart.filter((status) => status === 303).length).toBeGreaterThanOrEqual(20);

    const acknowledged = results.filter((result) => result.status === 303).map((result) => result.offeringId);
    const stored = await db('enrollments').whereIn('offering_id', acknowledged).pluck('offering_id');
    expect(new Set(stored)).toEqual(new Set(acknowledged));
  }, 90_000);

  it('fails fast while the database does not answer at all, and recovers when it answers again', async () => {
    await agent.get('/my/dates');
    cluster.pause();
    try {
      const healthStarted = Date.now();
      const health = await request(app.app).get('/healthz');
      const healthTook = Date.now() - healthStarted;
      expect(health.status).toBe(503);
      expect(health.body).toEqual({ status: 'error', db: 'down' });
      // Not a speed measurement: the bound only tells "answered" from "hung" (20–60 s before the fix).
      expect(healthTook).toBeLessThan(2500);

      const pageStarted = Date.now();
      const page = await agent.get('/my/dates');
      const pageTook = Date.now() - pageStarted;
      expect(page.status).toBe(503);
      expect(textOf(page.text)).toContain('Die Datenbank ist gerade nicht erreichbar');
      expect(pageTook).toBeLessThan(8000);
    } finally {
      cluster.resume();
    }
    // Back by itself: no restart of the app.
    let recovered = 0;
    for (let attempt = 0; attempt < 20 && recovered !== 200; attempt += 1) {
      recovered = (await agent.get('/my/dates')).status;
      if (recovered !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(recovered).toBe(200);
    const write = await enrollOnce();
    expect(write.status).toBe(303);
    expect(await db('enrollments').where({ offering_id: write.offeringId }).first()).toBeDefined();
  }, 60_000);
});
