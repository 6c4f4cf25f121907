import fs from 'node:fs';
import path from 'node:path';
import { createDatabase, type Database } from '../../src/db/database';
import { createOffering } from '../support/catalog-factories';
import { createOrganisation, createUser, nextTotpCode } from '../support/factories';
import { textOf } from '../support/http';
import { browser, createEmptyDatabase, eventually, mailsIn, startInstances, stopInstances, tempDirectory, type Instance } from '../support/two-instances';

const RECIPIENTS = 300;

/**
 * A coordinator's message to 300 people through a real app process: the request stores the
 * message and returns; composing and delivering happen in the background, and every mail
 * ends up in the mail directory exactly once.
 */
describe('a message to 300 people goes through the queue', () => {
  let database: { url: string; drop: () => Promise<void> };
  let db: Database;
  let instance: Instance;
  const workDir = tempDirectory('messages-queue');
  const mailDir = path.join(workDir, 'mail');

  beforeAll(async () => {
    database = await createEmptyDatabase('messages_queue');
    [instance] = (await startInstances(1, { DATABASE_URL: database.url, MAIL_DIR: mailDir, UPLOAD_DIR: path.join(workDir, 'uploads') })) as [Instance];
    db = createDatabase(database.url, { max: 4 });
  }, 90_000);

  afterAll(async () => {
    await stopInstances([instance].filter(Boolean));
    await db?.destroy();
    await database?.drop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }, 30_000);

  it('returns at once, then the mail directory fills with 300 mails, one per person, and the offering page shows the progress', async () => {
    const organisation = await createOrganisation(db, { name: 'Stadt Massenhausen' });
    const offering = await createOffering(db, { capacity: RECIPIENTS, title: 'Fachtag Groß' });
    // Seeded as the county bench does: rows straight into the tables.
    const people = await db('users')
      .insert(
        Array.from({ length: RECIPIENTS }, (_, index) => ({
          email: `teilnahme${index}@massenhausen.example`,
          first_name: 'Person',
          last_name: `Nummer ${index}`,
          role: 'participant',
          organisation_id: organisation.id,
          password_hash: 'not-a-usable-hash',
          active: true,
          locale: index % 10 === 0 ? 'en' : 'de',
          email_verified_at: new Date(),
        })),
      )
      .returning('id');
    await db('enrollments').insert(people.map((row: { id: number }) => ({ offering_id: offering.id, user_id: row.id, status: 'confirmed' })));

    const coordinator = await createUser(db, { role: 'coordinator' });
    const visitor = browser();
    const login = await visitor.submit(`${instance.url}/login`, `${instance.url}/login`, { email: coordinator.email, password: coordinator.password });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/login/code');
    expect((await visitor.submit(`${instance.url}/login/code`, `${instance.url}/login/code`, { code: await nextTotpCode(coordinator.email) })).status).toBe(303);

    const messages = `${instance.url}/manage/offerings/${offering.id}/messages`;
    const fields = { group_confirmed: 'yes', subject: 'Hinweis zum Fachtag', body: 'Der Fachtag beginnt eine halbe Stunde später.' };
    const preview = await visitor.submit(`${messages}/new`, `${messages}/preview`, fields);
    expect(textOf(preview.text)).toContain(`Die Nachricht geht an ${RECIPIENTS} Personen.`);
    const sent = await visitor.submit(`${messages}/new`, messages, { ...fields, action: 'send' });
    expect(sent.status).toBe(303);
    // The request stored the message and every recipient, nothing more: composing is the job's.
    const [message] = await db('coordinator_messages').where({ offering_id: offering.id });
    expect(message.recipient_count).toBe(RECIPIENTS);

    const files = await eventually(async () => {
      const found = mailsIn(mailDir);
      return found.length >= RECIPIENTS ? found : undefined;
    }, 120_000, `${RECIPIENTS} mails in ${mailDir}`);
    expect(files).toHaveLength(RECIPIENTS);
    const addressees = files.map((raw) => /^To: (\S+)/m.exec(raw)?.[1]);
    expect(new Set(addressees).size).toBe(RECIPIENTS);
    expect(files.filter((raw) => raw.includes('Subject: Hinweis zum Fachtag'))).toHaveLength(RECIPIENTS);

    const offeringPage = await eventually(async () => {
      const page = await visitor.get(`${instance.url}/manage/offerings/${offering.id}`);
      return textOf(page.text).includes(`${RECIPIENTS} von ${RECIPIENTS} zugestellt`) ? page : undefined;
    }, 30_000, 'the offering page to show the delivery');
    expect(offeringPage.status).toBe(200);
  }, 180_000);
});
