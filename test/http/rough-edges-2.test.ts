import fs from 'node:fs';
import path from 'node:path';
import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createOrganisation, createUser, type TestUser } from '../support/factories';
import { loginAs, newAgent, submitForm, textOf } from '../support/http';
import { decodeEntities, fieldErrorText, selectOptions } from '../support/html';

/** Names whose byte order differs from the German one: Ö and Ü sort with O and U, not after Z. */
const SURNAMES = ['Zander', 'Übel', 'Öztürk', 'Ahrens'];
const GERMAN_ORDER = ['Ahrens', 'Öztürk', 'Übel', 'Zander'];

describe('rough edges, part 2', () => {
  const ctx = useTestApp();

  describe('trainers in German name order', () => {
    let trainers: TestUser[];
    let offering: { id: number; sessionIds: number[] };

    beforeEach(async () => {
      trainers = [];
      for (const lastName of SURNAMES) trainers.push(await createUser(ctx.db, { role: 'trainer', firstName: 'Kim', lastName }));
      offering = await createOffering(ctx.db, { programmeId: (await createProgramme(ctx.db)).id, trainerIds: trainers.map((trainer) => trainer.id) });
    });

    it('lists the trainers to book on the session form as in a German phone book', async () => {
      const agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
      const page = await agent.get(`/manage/offerings/${offering.id}/sessions/${offering.sessionIds[0]}/edit`);
      expect(page.status).toBe(200);
      const labels = [...page.text.matchAll(/<label class="kern-label" for="field-trainerIds[^"]*">([^<]+)<\/label>/g)].map((match) => decodeEntities(match[1]!));
      expect(labels).toEqual(GERMAN_ORDER.map((lastName) => `Kim ${lastName}`));
    });

    it('names the trainers of a session on the public offering page in the same order', async () => {
      const page = await newAgent(ctx.app).get(`/offerings/${offering.id}`);
      expect(page.status).toBe(200);
      expect(textOf(page.text)).toContain(GERMAN_ORDER.map((lastName) => `Kim ${lastName}`).join(', '));
    });
  });

  it('"Umbuchen nach" refuses a cancelled offering sent by hand, with a German message, and changes nothing', async () => {
    const agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
    const programme = await createProgramme(ctx.db);
    const source = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop März' });
    const cancelled = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop Abgesagt', status: 'cancelled', startsInDays: 60 });
    await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop Juni', startsInDays: 60 });
    const person = await createUser(ctx.db);
    const [row] = await ctx.db('enrollments').insert({ offering_id: source.id, user_id: person.id, status: 'confirmed', confirmed_at: new Date() }).returning('id');
    const enrollmentId = (row as { id: number }).id;
    const movePage = `/manage/offerings/${source.id}/enrollments/${enrollmentId}/move`;
    expect(selectOptions((await agent.get(movePage)).text, 'targetOfferingId').map((option) => option.label)).toEqual(['Bitte wählen', 'Workshop Juni']);

    const refused = await submitForm(agent, movePage, movePage, { targetOfferingId: String(cancelled.id) });
    expect(refused.status).toBe(422);
    expect(fieldErrorText(refused.text, 'targetOfferingId')).toBe('Dieses Angebot wurde abgesagt; eine Anmeldung ist nicht möglich.');
    expect(await ctx.db('enrollments').select('offering_id', 'status').where('user_id', person.id)).toEqual([{ offering_id: source.id, status: 'confirmed' }]);
    await ctx.deliverMail();
    expect(ctx.mailbox).toEqual([]);
  });

  it('words every back link "Zurück zu …" in German and "Back to …" in English', () => {
    const locales = path.join(__dirname, '..', '..', 'src', 'i18n', 'locales');
    const backLinks = (locale: string): [string, string][] =>
      fs.readdirSync(path.join(locales, locale)).flatMap((file) => {
        const found: [string, string][] = [];
        const walk = (node: unknown, keyPath: string) => {
          if (typeof node === 'string') {
            const key = keyPath.split('.').pop()!;
            // Keys named back, backToList … label links back to where the person came from.
            if (/^back([A-Z]|$)/.test(key) && !keyPath.startsWith('common.back')) found.push([keyPath, node]);
          } else if (node && typeof node === 'object') {
            for (const [name, child] of Object.entries(node)) walk(child, `${keyPath}.${name}`);
          }
        };
        walk(JSON.parse(fs.readFileSync(path.join(locales, locale, file), 'utf8')), path.basename(file, '.json'));
        return found;
      });
    const german = backLinks('de');
    expect(german.length).toBeGreaterThan(20);
    expect(german.filter(([, text]) => !/^Zurück (zu|zum|zur) /.test(text))).toEqual([]);
    expect(backLinks('en').filter(([, text]) => !text.startsWith('Back to '))).toEqual([]);
  });

  it('leads admins from the invitation preview back with "Zurück zu …", not with the page title', async () => {
    const agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'admin' }));
    await createOrganisation(ctx.db, { name: 'Stadt Bergheide' });
    const form = await agent.get('/admin/invitations');
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(form.text)![1]!.replace(/&amp;/g, '&');
    const csv = 'E-Mail;Vorname;Nachname;Organisation;Rolle;Sprache\r\nanna.ost@bergheide.example;Anna;Ost;Stadt Bergheide;;\r\n';
    const preview = await agent.post(action).attach('file', Buffer.from(csv, 'utf8'), { filename: 'einladungen.csv', contentType: 'text/csv' });
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('<a class="kern-link" href="/admin/invitations">Zurück zu „Personen einladen“</a>');
  });
});
