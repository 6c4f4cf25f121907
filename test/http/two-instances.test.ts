import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import PgBoss from 'pg-boss';
import { createDatabase, type Database } from '../../src/db/database';
import { createOffering } from '../support/catalog-factories';
import { createOrganisation, createUser, nextTotpCode } from '../support/factories';
import { textOf } from '../support/http';
import { startS3Server, type S3TestServer } from '../support/s3-server';
import { browser, createEmptyDatabase, eventually, mailsIn, startInstances, stopInstances, tempDirectory, type Instance } from '../support/two-instances';

const BUCKET = 'kokoma-two-instances';
const WRONG = 'falsch-falsch';
const OFFICE = '203.0.113.20';

/**
 * Two app processes behind an imagined load balancer: one PostgreSQL database, one bucket,
 * one mail directory. Nothing is shared between the processes but those, so whatever a
 * person does on A and sees on B went through the database or the bucket.
 */
describe('two app instances on one database and one bucket', () => {
  let s3: S3TestServer;
  let database: { url: string; drop: () => Promise<void> };
  let db: Database;
  let a: Instance;
  let b: Instance;
  const workDir = tempDirectory('two-instances');
  const mailDir = path.join(workDir, 'mail');

  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    database = await createEmptyDatabase('two_instances');
    // Both start at the same moment on the empty database: each runs the migrations at start.
    [a, b] = (await startInstances(2, { DATABASE_URL: database.url, MAIL_DIR: mailDir, UPLOAD_DIR: path.join(workDir, 'uploads'), ...s3.env(BUCKET) })) as [Instance, Instance];
    db = createDatabase(database.url, { max: 4 });
  }, 90_000);

  afterAll(async () => {
    await stopInstances([a, b].filter(Boolean));
    await db?.destroy();
    await database?.drop();
    await s3?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  }, 30_000);

  it('both start at once on an empty database, migrate it exactly once and are ready', async () => {
    for (const instance of [a, b]) {
      const ready = await fetch(`${instance.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', migrations: 'ok', storage: 'ok' } });
      expect(instance.process.output()).not.toContain('already locked');
    }
    const migrationFiles = fs.readdirSync(path.resolve(__dirname, '..', '..', 'migrations')).filter((file) => file.endsWith('.ts'));
    const recorded = await db('knex_migrations').pluck('name');
    expect(recorded.sort()).toEqual(migrationFiles.sort());
    // One batch: the second instance found nothing left to run.
    expect(await db('knex_migrations').distinct('batch').pluck('batch')).toEqual([1]);
  });

  it('keeps a person logged in on A when the next request goes to B', async () => {
    const person = await createUser(db, { firstName: 'Mirela', lastName: 'Kovačević' });
    const visitor = browser();
    expect((await visitor.submit(`${a.url}/login`, `${a.url}/login`, { email: person.email, password: person.password })).status).toBe(303);
    const onB = await visitor.get(`${b.url}/account`);
    expect(onB.status).toBe(200);
    expect(textOf(onB.text)).toContain('Mirela Kovačević');
  });

  it('counts failed logins across both: alternating A and B locks the account after ten, as one instance does', async () => {
    const person = await createUser(db, { firstName: 'Lena', lastName: 'Brandt' });
    const attempt = (instance: Instance, password: string) =>
      browser().submit(`${instance.url}/login`, `${instance.url}/login`, { email: person.email, password }, { 'X-Forwarded-For': OFFICE });
    const statuses: number[] = [];
    for (let failure = 1; failure <= 10; failure += 1) {
      const instance = failure % 2 === 1 ? a : b;
      let response = await attempt(instance, WRONG);
      if (response.status === 429) {
        statuses.push(429);
        // Waiting out the pause (30 s, then 1, 2, 4 minutes): its expiry moved to now, where both instances read it.
        await db('rate_limits').where('key', `login_wait_account:${person.email}`).update({ expire: Date.now() });
        response = await attempt(instance, WRONG);
      }
      statuses.push(response.status);
    }
    // The same answers as on one instance (test/http/login-throttle.test.ts): five at once, then each try waits.
    expect(statuses).toEqual([422, 422, 422, 422, 422, 429, 422, 429, 422, 429, 422, 429, 422, 429, 422]);
    // Locked on both, even with the right password.
    for (const instance of [a, b]) {
      const locked = await attempt(instance, person.password);
      expect(locked.status).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(14 * 60);
    }
    const lockMails = await eventually(async () => {
      const mails = mailsIn(mailDir).filter((mail) => mail.includes(`To: ${person.email}`));
      return mails.length > 0 ? mails : undefined;
    }, 20_000, 'the lock mail');
    expect(lockMails).toHaveLength(1);
  });

  it('sends a session reminder once, although both instances take runs of the reminder job', async () => {
    const offering = await createOffering(db, { startsInDays: 1, registrationClosesInDays: 0 });
    const people = [await createUser(db), await createUser(db)];
    for (const person of people) await db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });

    // Six runs queued at once in the shared job queue: both instances' workers poll it every second.
    const boss = new PgBoss({ connectionString: database.url, schema: 'pgboss', supervise: false, schedule: false, migrate: false });
    await boss.start();
    try {
      const ids = await Promise.all(Array.from({ length: 6 }, () => boss.send('session-reminders', {})));
      await eventually(async () => {
        const jobs = await Promise.all(ids.map((id) => boss.getJobById('session-reminders', id!)));
        return jobs.every((job) => job?.state === 'completed') ? true : undefined;
      }, 30_000, 'all reminder runs to complete');
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
    for (const person of people) {
      const reminders = await eventually(async () => {
        const mails = mailsIn(mailDir).filter((mail) => mail.includes(`To: ${person.email}`));
        return mails.length > 0 ? mails : undefined;
      }, 20_000, `the reminder to ${person.email}`);
      expect(reminders).toHaveLength(1);
      expect(reminders[0]).toContain(`Guten Tag ${person.firstName} ${person.lastName}`);
    }
  }, 60_000);

  it('serves a material uploaded through A from B, byte for byte', async () => {
    const coordinator = await createUser(db, { role: 'coordinator' });
    const offering = await createOffering(db);
    const visitor = browser();
    expect((await visitor.submit(`${a.url}/login`, `${a.url}/login`, { email: coordinator.email, password: coordinator.password })).status).toBe(303);
    // Staff confirm the login with their second factor's code (the key from the factory).
    expect((await visitor.submit(`${a.url}/login/code`, `${a.url}/login/code`, { code: await nextTotpCode(coordinator.email) })).status).toBe(303);
    const content = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3 * 1024 * 1024), Buffer.from('\n%%EOF\n')]);
    const form = await visitor.get(`${a.url}/offerings/${offering.id}/materials/new`);
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(form.text)![1]!.replace(/&amp;/g, '&').replace(/&#x3D;|&#61;/g, '=');
    const upload = await visitor.agent
      .post(`${a.url}${action}`)
      .field('target', `session:${offering.sessionIds[0]}`)
      .field('title', 'Handreichung Mehrinstanz')
      .field('description', '')
      .field('visibility', 'public')
      .attach('file', content, { filename: 'Handreichung.pdf', contentType: 'application/pdf' });
    expect(upload.status).toBe(303);
    const material = await db('materials').where({ title: 'Handreichung Mehrinstanz' }).first();

    const download = await visitor.getBytes(`${b.url}/materials/${material.id}/download`);
    expect(download.status).toBe(200);
    expect(Buffer.compare(download.body as Buffer, content)).toBe(0);
    // Nothing of it on either instance's disk: the bucket holds it.
    expect(fs.existsSync(path.join(workDir, 'uploads', 'materials'))).toBe(false);
  });

  it('shows a roll call saved on A on B', async () => {
    const trainer = await createUser(db, { role: 'trainer' });
    const offering = await createOffering(db, { startsInDays: -1 / 24, trainerIds: [trainer.id], registrationClosesInDays: -0.5 });
    const organisation = await createOrganisation(db);
    const people = [];
    for (let index = 0; index < 3; index += 1) {
      const person = await createUser(db, { organisationId: organisation.id });
      await db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
      people.push(person);
    }
    const sessionUrl = (instance: Instance) => `${instance.url}/attendance/sessions/${offering.sessionIds[0]}`;
    const visitor = browser();
    expect((await visitor.submit(`${a.url}/login`, `${a.url}/login`, { email: trainer.email, password: trainer.password })).status).toBe(303);
    const saved = await visitor.submit(sessionUrl(a), sessionUrl(a), { [`status_${people[0]!.id}`]: 'present', [`status_${people[1]!.id}`]: 'late', [`status_${people[2]!.id}`]: 'excused' });
    expect(saved.status).toBe(303);

    const onB = await visitor.get(sessionUrl(b));
    expect(onB.status).toBe(200);
    for (const [person, status] of [[people[0]!, 'present'], [people[1]!, 'late'], [people[2]!, 'excused']] as const) {
      expect(onB.text).toMatch(new RegExp(`name="status_${person.id}">(<option[^>]*>[^<]*</option>)*<option value="${status}" selected>`));
    }
  });
});
