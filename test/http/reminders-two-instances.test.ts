import fs from 'node:fs';
import path from 'node:path';
import PgBoss from 'pg-boss';
import { createDatabase, type Database } from '../../src/db/database';
import { createOffering } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { createEmptyDatabase, eventually, mailsIn, startInstances, stopInstances, tempDirectory, type Instance } from '../support/two-instances';

const HOUR_MS = 60 * 60 * 1000;

/** Two real app processes on one database take runs of the attendance reminder job at the same time. */
describe('attendance reminders on two app instances', () => {
  let database: { url: string; drop: () => Promise<void> };
  let db: Database;
  let instances: Instance[] = [];
  const workDir = tempDirectory('reminders-two');
  const mailDir = path.join(workDir, 'mail');

  beforeAll(async () => {
    database = await createEmptyDatabase('reminders_two');
    instances = await startInstances(2, { DATABASE_URL: database.url, MAIL_DIR: mailDir, UPLOAD_DIR: path.join(workDir, 'uploads') });
    db = createDatabase(database.url, { max: 4 });
  }, 90_000);

  afterAll(async () => {
    await stopInstances(instances);
    await db?.destroy();
    await database?.drop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }, 30_000);

  it('sends each trainer one "roll call missing" reminder and each absent participant one excuse reminder, whichever instance runs', async () => {
    const trainers = [await createUser(db, { role: 'trainer' }), await createUser(db, { role: 'trainer', locale: 'en' })];
    const offering = await createOffering(db, { trainerIds: trainers.map((trainer) => trainer.id), title: 'Workshop Gestern' });
    // Ended on an earlier day (Berlin), whatever the time of the run: the roll call of this one is missing.
    await db('offering_sessions').where('id', offering.sessionIds[0]!).update({ starts_at: new Date(Date.now() - 32 * HOUR_MS), ends_at: new Date(Date.now() - 26 * HOUR_MS) });
    const participant = await createUser(db);
    await db('enrollments').insert({ offering_id: offering.id, user_id: participant.id, status: 'confirmed' });
    // A second session of another offering where the participant was marked absent.
    const other = await createOffering(db, { trainerIds: [trainers[0]!.id], title: 'Workshop Vorgestern' });
    await db('offering_sessions').where('id', other.sessionIds[0]!).update({ starts_at: new Date(Date.now() - 56 * HOUR_MS), ends_at: new Date(Date.now() - 50 * HOUR_MS) });
    await db('enrollments').insert({ offering_id: other.id, user_id: participant.id, status: 'confirmed' });
    await db('attendance_records').insert({ session_id: other.sessionIds[0]!, user_id: participant.id, status: 'absent', source: 'roll_call', recorded_by: trainers[0]!.id });

    const boss = new PgBoss({ connectionString: database.url, schema: 'pgboss', supervise: false, schedule: false, migrate: false });
    await boss.start();
    try {
      const ids = await Promise.all(Array.from({ length: 6 }, () => boss.send('attendance-reminders', {})));
      await eventually(async () => {
        const jobs = await Promise.all(ids.map((id) => boss.getJobById('attendance-reminders', id!)));
        return jobs.every((job) => job?.state === 'completed') ? true : undefined;
      }, 30_000, 'all reminder runs to complete');
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }

    const expected = trainers.length + 1;
    const mails = await eventually(async () => {
      const found = mailsIn(mailDir);
      return found.length >= expected ? found : undefined;
    }, 20_000, `${expected} reminders`);
    // A moment more: nothing else arrives.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(mailsIn(mailDir)).toHaveLength(expected);
    for (const trainer of trainers) expect(mails.filter((mail) => mail.includes(`To: ${trainer.email}`))).toHaveLength(1);
    expect(mails.find((mail) => mail.includes(`To: ${trainers[1]!.email}`))).toContain('Roll call missing');
    const toParticipant = mails.filter((mail) => mail.includes(`To: ${participant.email}`));
    expect(toParticipant).toHaveLength(1);
    expect(toParticipant[0]).toContain(`/my/sessions/${other.sessionIds[0]}/excuse`);
    expect(Number((await db('reminder_claims').count({ count: '*' }).first())?.count)).toBe(expected);
  }, 120_000);
});
