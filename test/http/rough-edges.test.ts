import { linkIn, useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { countQueries } from '../support/database';
import { createOrganisation, createUser, type TestUser } from '../support/factories';
import { errorSummaryText, fieldErrorText, selectOptions } from '../support/html';
import { loginAs, newAgent, submitForm, textOf, type Agent } from '../support/http';

/** Issue 12, "rough edges": what a new user ran into, each checked the way the user meets it. */
describe('rough edges of enrollment, mail and account forms', () => {
  const ctx = useTestApp();

  async function participant(overrides: Parameters<typeof createUser>[1] = {}): Promise<{ user: TestUser; agent: Agent }> {
    const user = await createUser(ctx.db, overrides);
    return { user, agent: await loginAs(ctx.app, user) };
  }

  async function enroll(agent: Agent, offeringId: number) {
    const response = await submitForm(agent, `/offerings/${offeringId}`, `/offerings/${offeringId}/enroll`, {});
    expect(response.status).toBe(303);
  }

  const enrollmentIdOf = async (userId: number, offeringId: number): Promise<number> =>
    ((await ctx.db('enrollments').where({ user_id: userId, offering_id: offeringId }).orderBy('id', 'desc').first()) as { id: number }).id;

  describe('mails greet with the full name', () => {
    it('greets a participant with first and last name in the enrollment mail', async () => {
      const offering = await createOffering(ctx.db, { title: 'Workshop März' });
      const { user, agent } = await participant({ firstName: 'Claudia', lastName: 'Weißbach' });
      await enroll(agent, offering.id);
      await ctx.deliverMail();
      expect(ctx.mailbox.map((mail) => mail.to)).toEqual([user.email]);
      expect(ctx.mailbox[0]!.text).toContain('Guten Tag Claudia Weißbach,');
      expect(ctx.mailbox[0]!.html).toContain('Guten Tag Claudia Weißbach,');
    });

    it('keeps the greeting neutral for an address nobody has proven', async () => {
      const user = await createUser(ctx.db, { firstName: 'Claudia', lastName: 'Weißbach', verified: false });
      await submitForm(newAgent(ctx.app), '/password/forgot', '/password/forgot', { email: user.email });
      await ctx.deliverMail();
      expect(ctx.mailbox).toHaveLength(1);
      expect(ctx.mailbox[0]!.text).toContain('Guten Tag,');
      expect(ctx.mailbox[0]!.text).not.toContain('Weißbach');
    });
  });

  describe('"Meine Termine"', () => {
    it('names the offering of each date, so two workshop dates of one programme can be told apart', async () => {
      const programme = await createProgramme(ctx.db, { title: 'Umgang mit extremistischen Gruppierungen' });
      const march = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop März', startsInDays: 10 });
      const september = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop September', startsInDays: 20 });
      const { agent } = await participant();
      await enroll(agent, march.id);
      await enroll(agent, september.id);

      const page = await agent.get('/my/dates');
      const section = /<section aria-labelledby="upcoming-heading"[\s\S]*?<\/section>/.exec(page.text)?.[0] ?? '';
      const rows = [...section.matchAll(/<tr class="kern-table__row">([\s\S]*?)<\/tr>/g)].slice(1).map((row) => textOf(row[1] ?? ''));
      expect(rows).toHaveLength(2);
      expect(rows[0]).toContain('Workshop März');
      expect(rows[0]).toContain('Umgang mit extremistischen Gruppierungen');
      expect(rows[1]).toContain('Workshop September');
      expect(rows[0]).not.toContain('Workshop September');
    });
  });

  describe('cancelling one’s own enrollment asks first', () => {
    it('shows a confirmation page that says the seat goes to the waitlist, and cancels nothing until confirmed', async () => {
      const offering = await createOffering(ctx.db, { title: 'Workshop Herbst', capacity: 1, cancellationDeadlineInDays: 7 });
      const holder = await participant();
      const waiting = await participant();
      await enroll(holder.agent, offering.id);
      await enroll(waiting.agent, offering.id);
      const enrollmentId = await enrollmentIdOf(holder.user.id, offering.id);

      const page = await holder.agent.get(`/enrollments/${enrollmentId}/cancel`);
      expect(page.status).toBe(200);
      const text = textOf(page.text);
      expect(text).toContain('Von diesem Angebot abmelden?');
      expect(text).toContain('Workshop Herbst');
      expect(text).toContain('Ihre Anmeldung: bestätigt');
      expect(text).toContain('Ihr Platz wird frei und geht an die erste Person auf der Warteliste');
      // A plain form: works without JavaScript and carries the confirmation.
      expect(page.text).toMatch(new RegExp(`<form method="post" action="/enrollments/${enrollmentId}/cancel">`));
      expect(page.text).toContain('<input type="hidden" name="confirm" value="yes">');
      expect(page.text).toContain(`href="/offerings/${offering.id}"`);
      expect((await ctx.db('enrollments').where('id', enrollmentId).first()).status).toBe('confirmed');

      const done = await submitForm(holder.agent, `/enrollments/${enrollmentId}/cancel`, `/enrollments/${enrollmentId}/cancel`, { confirm: 'yes', returnTo: `/offerings/${offering.id}` });
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe(`/offerings/${offering.id}`);
      expect((await ctx.db('enrollments').where('id', enrollmentId).first()).status).toBe('cancelled');
      expect((await ctx.db('enrollments').where({ user_id: waiting.user.id, offering_id: offering.id }).first()).status).toBe('confirmed');
    });

    it('tells a waiting person they only leave the waitlist, and a holder without a waitlist that the seat becomes free', async () => {
      const offering = await createOffering(ctx.db, { capacity: 1, cancellationDeadlineInDays: 7 });
      const holder = await participant();
      await enroll(holder.agent, offering.id);
      const alone = textOf((await holder.agent.get(`/enrollments/${await enrollmentIdOf(holder.user.id, offering.id)}/cancel`)).text);
      expect(alone).toContain('Ihr Platz wird frei und kann von anderen gebucht werden.');

      const waiting = await participant();
      await enroll(waiting.agent, offering.id);
      const text = textOf((await waiting.agent.get(`/enrollments/${await enrollmentIdOf(waiting.user.id, offering.id)}/cancel`)).text);
      expect(text).toContain('Ihre Anmeldung: Warteliste');
      expect(text).toContain('Sie verlassen die Warteliste. Wer nach Ihnen wartet, rückt einen Platz vor.');
    });

    it('offers no confirmation after the deadline, nor for someone else’s enrollment', async () => {
      const late = await createOffering(ctx.db, { startsInDays: 10, cancellationDeadlineInDays: -1 });
      const { user, agent } = await participant();
      const [row] = await ctx.db('enrollments').insert({ offering_id: late.id, user_id: user.id, status: 'confirmed', confirmed_at: new Date() }).returning('id');
      const refused = await agent.get(`/enrollments/${(row as { id: number }).id}/cancel`);
      expect(refused.status).toBe(409);
      expect(textOf(refused.text)).toContain('Die Frist zur Abmeldung ist abgelaufen.');
      const stranger = await participant();
      expect((await stranger.agent.get(`/enrollments/${(row as { id: number }).id}/cancel`)).status).toBe(404);
    });

    it('asks the database as often for a big offering as for a small one', async () => {
      const measure = async (waitingCount: number) => {
        const offering = await createOffering(ctx.db, { capacity: 1, cancellationDeadlineInDays: 7 });
        const { user, agent } = await participant();
        await enroll(agent, offering.id);
        for (let index = 0; index < waitingCount; index += 1) {
          const other = await createUser(ctx.db);
          await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: other.id, status: 'waitlisted' });
        }
        const url = `/enrollments/${await enrollmentIdOf(user.id, offering.id)}/cancel`;
        await agent.get(url);
        return countQueries(ctx.db, () => agent.get(url));
      };
      const small = await measure(1);
      const large = await measure(40);
      expect(small).toBeLessThanOrEqual(6);
      expect(large).toBe(small);
    });
  });

  describe('form errors', () => {
    it('names the limit when an entry is too long', async () => {
      const organisation = await createOrganisation(ctx.db, { name: 'Stadt Beispielburg' });
      const response = await submitForm(newAgent(ctx.app), '/register', '/register', {
        firstName: 'Jana',
        lastName: 'K'.repeat(61),
        email: 'jana@beispielburg.example',
        organisationId: String(organisation.id),
        department: 'x'.repeat(201),
        password: 'Ein-langer-Satz-als-Passwort',
        passwordConfirm: 'Ein-langer-Satz-als-Passwort',
        privacyAccepted: 'yes',
      });
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'lastName')).toBe('Höchstens 60 Zeichen.');
      expect(fieldErrorText(response.text, 'department')).toBe('Höchstens 200 Zeichen.');
      expect(errorSummaryText(response.text)).toContain('Höchstens 200 Zeichen.');

      const coordinator = await createUser(ctx.db, { role: 'coordinator' });
      const agent = await loginAs(ctx.app, coordinator);
      const offering = await createOffering(ctx.db);
      const byHand = await submitForm(agent, `/manage/offerings/${offering.id}/enrollments`, `/manage/offerings/${offering.id}/enrollments`, { email: `${'a'.repeat(250)}@gemeinde.example` });
      expect(byHand.status).toBe(422);
      expect(fieldErrorText(byHand.text, 'email')).toBe('Höchstens 254 Zeichen.');
    });

    it('reports a short password and a wrong confirmation together on the reset form', async () => {
      const user = await createUser(ctx.db);
      await submitForm(newAgent(ctx.app), '/password/forgot', '/password/forgot', { email: user.email });
      await ctx.deliverMail();
      const link = linkIn(ctx.mailbox[0]);
      const agent = newAgent(ctx.app);
      const response = await submitForm(agent, link, link, { password: 'kurz', passwordConfirm: 'anders' });
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'password')).toBe('Das Passwort muss mindestens 12 Zeichen lang sein.');
      expect(fieldErrorText(response.text, 'passwordConfirm')).toBe('Die Passwörter stimmen nicht überein.');

      const common = await submitForm(agent, link, link, { password: 'passwort1234', passwordConfirm: 'passwort12345' });
      expect(common.status).toBe(422);
      expect(fieldErrorText(common.text, 'password')).toBe('Dieses Passwort ist zu verbreitet und wird bei Angriffen als Erstes ausprobiert. Bitte wählen Sie ein anderes.');
      expect(fieldErrorText(common.text, 'passwordConfirm')).toBe('Die Passwörter stimmen nicht überein.');
    });

    it('reports every problem of the account page’s password form at once', async () => {
      const { agent } = await participant({ firstName: 'Jana', lastName: 'Quarzfeldt' });
      const short = await submitForm(agent, '/account', '/account/password', { currentPassword: 'falsch', password: 'kurz', passwordConfirm: 'anders' });
      expect(short.status).toBe(422);
      expect(fieldErrorText(short.text, 'password')).toBe('Das Passwort muss mindestens 12 Zeichen lang sein.');
      expect(fieldErrorText(short.text, 'passwordConfirm')).toBe('Die Passwörter stimmen nicht überein.');

      // The service's own checks, too: a wrong current password and a new one made of the person's name.
      const guessable = 'JanaQuarzfeldt2026';
      const both = await submitForm(agent, '/account', '/account/password', { currentPassword: 'falsch-falsch', password: guessable, passwordConfirm: guessable });
      expect(both.status).toBe(422);
      expect(fieldErrorText(both.text, 'currentPassword')).toBe('Das aktuelle Passwort ist nicht korrekt.');
      expect(fieldErrorText(both.text, 'password')).toBe('Das Passwort ähnelt Ihrem Namen oder Ihrer E-Mail-Adresse. Bitte wählen Sie ein anderes.');
    });

    it('registration names a missing consent and a wrong confirmation together', async () => {
      const organisation = await createOrganisation(ctx.db, { name: 'Stadt Beispielburg' });
      const response = await submitForm(newAgent(ctx.app), '/register', '/register', {
        firstName: 'Jana',
        lastName: 'Köhler',
        email: 'jana@beispielburg.example',
        organisationId: String(organisation.id),
        password: 'Ein-langer-Satz-als-Passwort',
        passwordConfirm: 'Ein-anderer-Satz-als-Passwort',
      });
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'privacyAccepted')).toBe('Bitte bestätigen Sie, dass Sie die Datenschutzhinweise gelesen haben.');
      expect(fieldErrorText(response.text, 'passwordConfirm')).toBe('Die Passwörter stimmen nicht überein.');
    });
  });

  it('lets long names in the bulk preview wrap inside their cell', async () => {
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    const agent = await loginAs(ctx.app, coordinator);
    const offering = await createOffering(ctx.db);
    const longName = 'Maximiliane-Friederike-Konstanze-Wilhelmine';
    const form = await agent.get(`/manage/offerings/${offering.id}/enrollments/bulk`);
    const token = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
    const preview = await agent
      .post(`/manage/offerings/${offering.id}/enrollments/bulk?_csrf=${encodeURIComponent(token)}`)
      .field('list', `neu@gemeinde.example;${longName};von Hohenzollern-Sigmaringen-Hechingen;Stadt Beispielburg`);
    expect(preview.text).toContain(longName);
    expect(preview.text).toContain('<table class="kern-table kern-table--striped app-wrapping-table">');
    const css = await newAgent(ctx.app).get('/static/css/app.css');
    expect(css.text).toMatch(/\.app-wrapping-table th, \.app-wrapping-table td \{ overflow-wrap: anywhere;/);
  });

  it('"Umbuchen nach" offers no offering that is over and none that was cancelled, and refuses a past one sent by hand', async () => {
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    const agent = await loginAs(ctx.app, coordinator);
    const programme = await createProgramme(ctx.db);
    const source = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop März' });
    const upcoming = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop Juni', startsInDays: 60 });
    const past = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop Vorjahr', startsInDays: -100, registrationOpensInDays: -200, registrationClosesInDays: -101 });
    await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop Abgesagt', status: 'cancelled' });
    // Started but not over: still a choice (a make-up date, for example).
    await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop läuft', startsInDays: -1, sessions: 2 });
    const person = await createUser(ctx.db);
    const [row] = await ctx.db('enrollments').insert({ offering_id: source.id, user_id: person.id, status: 'confirmed', confirmed_at: new Date() }).returning('id');
    const enrollmentId = (row as { id: number }).id;
    const movePage = `/manage/offerings/${source.id}/enrollments/${enrollmentId}/move`;

    const page = await agent.get(movePage);
    expect(selectOptions(page.text, 'targetOfferingId').map((option) => option.label)).toEqual(['Bitte wählen', 'Workshop Juni', 'Workshop läuft']);

    const refused = await submitForm(agent, movePage, movePage, { targetOfferingId: String(past.id) });
    expect(refused.status).toBe(422);
    expect(fieldErrorText(refused.text, 'targetOfferingId')).toBe('Dieser Durchgang ist bereits vorbei. Bitte wählen Sie einen Durchgang mit Terminen in der Zukunft.');
    expect((await ctx.db('enrollments').where('id', enrollmentId).first()).status).toBe('confirmed');

    expect((await submitForm(agent, movePage, movePage, { targetOfferingId: String(upcoming.id) })).status).toBe(303);
  });

  it('sorts organisations with German rules: Ö with O, not after Z', async () => {
    for (const name of ['Zella-Mehlis', 'Ostheim', 'Österfeld', 'Oberhof']) await createOrganisation(ctx.db, { name });
    const form = await newAgent(ctx.app).get('/register');
    const labels = selectOptions(form.text, 'organisationId').map((option) => option.label).filter((label) => label !== '' && !label.startsWith('Bitte'));
    expect(labels).toEqual(['Oberhof', 'Österfeld', 'Ostheim', 'Zella-Mehlis']);
  });
});
