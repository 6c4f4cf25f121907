import { useTestApp } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { createUser, type TestUser } from '../support/factories';
import { csrfTokenIn, loginAs, newAgent, submitForm, textOf, type Agent } from '../support/http';

type EnrollmentRow = { id: number; offering_id: number; user_id: number; status: string; cancelled_at: Date | null; confirmed_at: Date | null };

describe('enrollment rules', () => {
  const ctx = useTestApp();

  const enrollmentsTable = (): Promise<EnrollmentRow[]> => ctx.db('enrollments').orderBy('id');
  const statusOf = async (enrollmentId: number) => ((await ctx.db('enrollments').where('id', enrollmentId).first()) as EnrollmentRow).status;
  const subjects = () => ctx.mailbox.map((mail) => `${mail.to} | ${mail.subject}`);

  async function participant(overrides: Parameters<typeof createUser>[1] = {}): Promise<{ user: TestUser; agent: Agent }> {
    const user = await createUser(ctx.db, overrides);
    return { user, agent: await loginAs(ctx.app, user) };
  }

  /** Clicks "Anmelden" (the form's CSRF token comes from any page the person has open). */
  function enroll(agent: Agent, offeringId: number) {
    return submitForm(agent, '/', `/offerings/${offeringId}/enroll`, {});
  }

  async function enrollmentOf(userId: number, offeringId: number): Promise<EnrollmentRow> {
    return ctx.db('enrollments').where({ user_id: userId, offering_id: offeringId }).orderBy('id', 'desc').first();
  }

  describe('enrolling', () => {
    it('confirms a seat while seats are free, says so and mails a confirmation', async () => {
      const offering = await createOffering(ctx.db, { title: 'Workshop Frühjahr', capacity: 10 });
      const { user, agent } = await participant();

      const detail = await agent.get(`/offerings/${offering.id}`);
      expect(textOf(detail.text)).toContain('Es sind noch Plätze frei. Mit der Anmeldung erhalten Sie einen festen Platz.');
      const response = await submitForm(agent, `/offerings/${offering.id}`, `/offerings/${offering.id}/enroll`, {});
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe(`/offerings/${offering.id}`);

      const page = textOf((await agent.get(`/offerings/${offering.id}`)).text);
      expect(page).toContain('Sie sind angemeldet. Eine Bestätigung ist per E-Mail unterwegs.');
      expect(page).toContain('Sie sind angemeldet. Ihr Platz ist bestätigt.');
      expect(page).toContain('9 von 10 Plätzen frei');

      const row = await enrollmentOf(user.id, offering.id);
      expect(row.status).toBe('confirmed');
      expect(row.confirmed_at).toBeInstanceOf(Date);
      await ctx.deliverMail();
      expect(subjects()).toEqual([`${user.email} | Anmeldung bestätigt: Workshop Frühjahr`]);
      expect(ctx.mailbox[0]!.text).toContain(`http://campus.test/offerings/${offering.id}`);
      expect(await ctx.db('audit_events').where({ action: 'enrollment.created', actor_user_id: user.id })).toHaveLength(1);
    });

    it('puts people on the waitlist once the seats are gone, each with their own place', async () => {
      const offering = await createOffering(ctx.db, { title: 'Workshop Sommer', capacity: 1 });
      const first = await participant();
      const second = await participant();
      const third = await participant();
      await enroll(first.agent, offering.id);

      const detail = await second.agent.get(`/offerings/${offering.id}`);
      expect(textOf(detail.text)).toContain('Alle Plätze sind vergeben. Sie können sich auf die Warteliste setzen');
      expect(textOf(detail.text)).toContain('Auf die Warteliste');
      expect((await enroll(second.agent, offering.id)).status).toBe(303);
      expect((await enroll(third.agent, offering.id)).status).toBe(303);

      expect((await enrollmentOf(second.user.id, offering.id)).status).toBe('waitlisted');
      const thirdPage = textOf((await third.agent.get(`/offerings/${offering.id}`)).text);
      expect(thirdPage).toContain('Alle Plätze sind vergeben. Sie stehen auf der Warteliste auf Platz 2.');
      expect(thirdPage).toContain('Sie stehen auf der Warteliste (Platz 2).');
      await ctx.deliverMail();
      expect(subjects()).toEqual([
        `${first.user.email} | Anmeldung bestätigt: Workshop Sommer`,
        `${second.user.email} | Warteliste: Workshop Sommer`,
        `${third.user.email} | Warteliste: Workshop Sommer`,
      ]);
      await ctx.deliverMail();
      expect(ctx.mailbox[2]!.text).toContain('Sie stehen auf der Warteliste auf Platz 2.');
    });

    const refusals: { name: string; options: Parameters<typeof createOffering>[1]; status: number; message: string }[] = [
      { name: 'a draft', options: { status: 'draft' }, status: 404, message: 'Die aufgerufene Seite gibt es nicht (mehr).' },
      { name: 'a cancelled offering', options: { status: 'cancelled' }, status: 409, message: 'Dieses Angebot wurde abgesagt; eine Anmeldung ist nicht möglich.' },
      { name: 'an offering whose registration has not opened', options: { registrationOpensInDays: 3 }, status: 409, message: 'Die Anmeldung für dieses Angebot ist noch nicht geöffnet.' },
      { name: 'an offering whose registration has closed', options: { registrationClosesInDays: -1 }, status: 409, message: 'Die Anmeldefrist für dieses Angebot ist abgelaufen.' },
      {
        name: 'an offering that has already begun',
        options: { startsInDays: -2, sessions: 3, registrationOpensInDays: -30, registrationClosesInDays: 10 },
        status: 409,
        message: 'Dieses Angebot hat bereits begonnen oder ist vorbei; eine Anmeldung ist nicht mehr möglich.',
      },
      {
        name: 'a past offering',
        options: { startsInDays: -40, registrationOpensInDays: -90, registrationClosesInDays: -41 },
        status: 409,
        message: 'Dieses Angebot hat bereits begonnen oder ist vorbei; eine Anmeldung ist nicht mehr möglich.',
      },
    ];

    it.each(refusals)('refuses to enroll into $name with a clear message and changes nothing', async ({ options, status, message }) => {
      const offering = await createOffering(ctx.db, { capacity: 5, ...options });
      // Someone already holds a seat there: their row must stay exactly as it is.
      const earlier = await createUser(ctx.db);
      await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: earlier.id, status: 'confirmed', confirmed_at: new Date() });
      const { agent } = await participant();
      const before = await enrollmentsTable();

      const response = await enroll(agent, offering.id);
      expect(response.status).toBe(status);
      expect(textOf(response.text)).toContain(message);
      expect(await enrollmentsTable()).toEqual(before);
      await ctx.deliverMail();
      expect(ctx.mailbox).toEqual([]);
      expect(await ctx.db('audit_events').where('action', 'like', 'enrollment.%')).toHaveLength(0);
    });

    it('answers 404 for an offering that does not exist and changes nothing', async () => {
      await createOffering(ctx.db);
      const { agent } = await participant();
      for (const path of ['/offerings/999999/enroll', '/offerings/abc/enroll']) {
        const response = await submitForm(agent, '/', path, {});
        expect(response.status).toBe(404);
      }
      expect(await enrollmentsTable()).toEqual([]);
      await ctx.deliverMail();
      expect(ctx.mailbox).toEqual([]);
    });

    it('refuses a second enrollment of the same person, whether confirmed, waiting or pending', async () => {
      const open = await createOffering(ctx.db, { capacity: 1 });
      const approval = await createOffering(ctx.db, { requiresApproval: true });
      const seatHolder = await participant();
      const waiting = await participant();
      await enroll(seatHolder.agent, open.id);
      await enroll(waiting.agent, open.id);
      await enroll(waiting.agent, approval.id);
      const before = await enrollmentsTable();
      expect(before.map((row) => row.status)).toEqual(['confirmed', 'waitlisted', 'pending']);
      await ctx.deliverMail();
      ctx.mailbox.length = 0;

      for (const [agent, offeringId] of [
        [seatHolder.agent, open.id],
        [waiting.agent, open.id],
        [waiting.agent, approval.id],
      ] as const) {
        const response = await enroll(agent, offeringId);
        expect(response.status).toBe(409);
        expect(textOf(response.text)).toContain('Sie sind für dieses Angebot bereits angemeldet (oder stehen auf der Warteliste).');
      }
      expect(await enrollmentsTable()).toEqual(before);
      await ctx.deliverMail();
      expect(ctx.mailbox).toEqual([]);
      // The page shows the status instead of a second "Anmelden" button.
      expect((await seatHolder.agent.get(`/offerings/${open.id}`)).text).not.toContain(`action="/offerings/${open.id}/enroll"`);
    });

    it('refuses anonymous requests and changes nothing', async () => {
      const offering = await createOffering(ctx.db);
      const agent = newAgent(ctx.app);
      const loginPage = await agent.get('/login');
      const response = await agent.post(`/offerings/${offering.id}/enroll`).type('form').send({ _csrf: csrfTokenIn(loginPage.text) });
      expect(response.status).toBe(403);
      expect(textOf(response.text)).toContain('Bitte melden Sie sich an, um fortzufahren.');
      expect(await enrollmentsTable()).toEqual([]);
    });

    it('refuses a request without the form token and changes nothing', async () => {
      const offering = await createOffering(ctx.db);
      const { agent } = await participant();
      const response = await agent.post(`/offerings/${offering.id}/enroll`).type('form').send({});
      expect(response.status).toBe(403);
      expect(await enrollmentsTable()).toEqual([]);
    });

    it('lets a person who cancelled enroll again', async () => {
      const offering = await createOffering(ctx.db, { cancellationDeadlineInDays: 5 });
      const { user, agent } = await participant();
      await enroll(agent, offering.id);
      const first = await enrollmentOf(user.id, offering.id);
      expect((await submitForm(agent, '/', `/enrollments/${first.id}/cancel`, { confirm: 'yes' })).status).toBe(303);

      expect((await enroll(agent, offering.id)).status).toBe(303);
      const rows = await ctx.db('enrollments').where({ user_id: user.id, offering_id: offering.id }).orderBy('id');
      expect(rows.map((row: EnrollmentRow) => row.status)).toEqual(['cancelled', 'confirmed']);
    });
  });

  describe('offerings that need approval', () => {
    async function coordinator() {
      return participant({ role: 'coordinator' });
    }

    function decide(agent: Agent, enrollmentId: number, offeringId: number, decision: 'approve' | 'reject') {
      return submitForm(agent, `/manage/offerings/${offeringId}/enrollments`, `/manage/enrollments/${enrollmentId}/${decision}`, { offeringId: String(offeringId) });
    }

    it('takes the enrollment as pending, without a seat, and mails that it arrived', async () => {
      const offering = await createOffering(ctx.db, { title: 'Fachtag Neutralität', capacity: 2, requiresApproval: true });
      const { user, agent } = await participant();

      const detail = textOf((await agent.get(`/offerings/${offering.id}`)).text);
      expect(detail).toContain('Anmeldungen werden von der Koordination bestätigt.');
      expect(detail).toContain('Die Koordination prüft Ihre Anmeldung und gibt Ihnen per E-Mail Bescheid.');
      expect((await enroll(agent, offering.id)).status).toBe(303);

      const page = textOf((await agent.get(`/offerings/${offering.id}`)).text);
      expect(page).toContain('Ihre Anmeldung ist eingegangen und wartet auf die Bestätigung durch die Koordination.');
      expect(page).toContain('2 von 2 Plätzen frei');
      expect((await enrollmentOf(user.id, offering.id)).status).toBe('pending');
      await ctx.deliverMail();
      expect(subjects()).toEqual([`${user.email} | Anmeldung eingegangen: Fachtag Neutralität`]);
    });

    it('confirms on approval while seats are free and waitlists once they are gone, with mails', async () => {
      const offering = await createOffering(ctx.db, { title: 'Fachtag Neutralität', capacity: 1, requiresApproval: true });
      const first = await participant();
      const second = await participant();
      await enroll(first.agent, offering.id);
      await enroll(second.agent, offering.id);
      const coord = await coordinator();
      const list = textOf((await coord.agent.get(`/manage/offerings/${offering.id}/enrollments`)).text);
      expect(list).toContain('0 von 1 Plätzen bestätigt · 0 auf der Warteliste · 2 offen');
      await ctx.deliverMail();
      ctx.mailbox.length = 0;

      const firstEnrollment = await enrollmentOf(first.user.id, offering.id);
      const approved = await decide(coord.agent, firstEnrollment.id, offering.id, 'approve');
      expect(approved.status).toBe(303);
      expect(approved.headers.location).toBe(`/manage/offerings/${offering.id}/enrollments`);
      expect(textOf((await coord.agent.get(approved.headers.location as string)).text)).toContain('Die Anmeldung wurde zugelassen.');
      expect(await statusOf(firstEnrollment.id)).toBe('confirmed');

      const secondEnrollment = await enrollmentOf(second.user.id, offering.id);
      const waitlisted = await decide(coord.agent, secondEnrollment.id, offering.id, 'approve');
      expect(waitlisted.status).toBe(303);
      expect(textOf((await coord.agent.get(waitlisted.headers.location as string)).text)).toContain(
        'Zugelassen; da alle Plätze vergeben sind, steht die Person auf der Warteliste.',
      );
      expect(await statusOf(secondEnrollment.id)).toBe('waitlisted');

      await ctx.deliverMail();
      expect(subjects()).toEqual([`${first.user.email} | Anmeldung zugelassen: Fachtag Neutralität`, `${second.user.email} | Warteliste: Fachtag Neutralität`]);
      expect(ctx.mailbox[1]!.text).toContain('Platz 1');
      expect(textOf((await second.agent.get(`/offerings/${offering.id}`)).text)).toContain('Sie stehen auf der Warteliste (Platz 1).');
      const audit = await ctx.db('audit_events').where({ action: 'enrollment.approved', actor_user_id: coord.user.id });
      expect(audit).toHaveLength(2);
    });

    it('rejects with a mail, and a decision cannot be taken twice', async () => {
      const offering = await createOffering(ctx.db, { title: 'Fachtag Neutralität', requiresApproval: true });
      const { user, agent } = await participant();
      await enroll(agent, offering.id);
      const enrollment = await enrollmentOf(user.id, offering.id);
      const coord = await coordinator();
      await ctx.deliverMail();
      ctx.mailbox.length = 0;

      const rejected = await decide(coord.agent, enrollment.id, offering.id, 'reject');
      expect(rejected.status).toBe(303);
      expect(textOf((await coord.agent.get(rejected.headers.location as string)).text)).toContain('Die Anmeldung wurde abgelehnt.');
      expect(await statusOf(enrollment.id)).toBe('rejected');
      await ctx.deliverMail();
      expect(subjects()).toEqual([`${user.email} | Anmeldung nicht zugelassen: Fachtag Neutralität`]);

      const before = await enrollmentsTable();
      await ctx.deliverMail();
      ctx.mailbox.length = 0;
      for (const decision of ['approve', 'reject'] as const) {
        const again = await decide(coord.agent, enrollment.id, offering.id, decision);
        expect(again.status).toBe(409);
        expect(textOf(again.text)).toContain('Über diese Anmeldung wurde bereits entschieden.');
      }
      expect(await enrollmentsTable()).toEqual(before);
      await ctx.deliverMail();
      expect(ctx.mailbox).toEqual([]);
    });

    it('does not let participants decide, not even about themselves', async () => {
      const offering = await createOffering(ctx.db, { requiresApproval: true });
      const { user, agent } = await participant();
      await enroll(agent, offering.id);
      const enrollment = await enrollmentOf(user.id, offering.id);
      const response = await submitForm(agent, '/', `/manage/enrollments/${enrollment.id}/approve`, { offeringId: String(offering.id) });
      expect(response.status).toBe(403);
      expect(await statusOf(enrollment.id)).toBe('pending');
    });
  });

  describe('cancelling', () => {
    it('cancels until the deadline, frees the seat for the first waiting person and mails both', async () => {
      const offering = await createOffering(ctx.db, { title: 'Workshop Herbst', capacity: 1, cancellationDeadlineInDays: 7 });
      const holder = await participant();
      const firstWaiting = await participant();
      const secondWaiting = await participant();
      for (const person of [holder, firstWaiting, secondWaiting]) await enroll(person.agent, offering.id);
      const enrollment = await enrollmentOf(holder.user.id, offering.id);
      await ctx.deliverMail();
      ctx.mailbox.length = 0;

      const detail = await holder.agent.get(`/offerings/${offering.id}`);
      expect(detail.text).toContain(`action="/enrollments/${enrollment.id}/cancel"`);
      // The button on the offering page leads to a confirmation page first, which says what happens to the seat.
      const asked = await submitForm(holder.agent, `/offerings/${offering.id}`, `/enrollments/${enrollment.id}/cancel`, { returnTo: `/offerings/${offering.id}` });
      expect(asked.status).toBe(303);
      expect(asked.headers.location).toBe(`/enrollments/${enrollment.id}/cancel?returnTo=${encodeURIComponent(`/offerings/${offering.id}`)}`);
      expect((await enrollmentOf(holder.user.id, offering.id)).status).toBe('confirmed');
      const confirmPage = textOf((await holder.agent.get(asked.headers.location!)).text);
      expect(confirmPage).toContain('Von diesem Angebot abmelden?');
      expect(confirmPage).toContain('Ihr Platz wird frei und geht an die erste Person auf der Warteliste');
      const response = await submitForm(holder.agent, asked.headers.location!, `/enrollments/${enrollment.id}/cancel`, { confirm: 'yes', returnTo: `/offerings/${offering.id}` });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe(`/offerings/${offering.id}`);
      const after = textOf((await holder.agent.get(`/offerings/${offering.id}`)).text);
      expect(after).toContain('Sie sind abgemeldet.');
      // The freed seat went to the waiting person at once: the offering is full again.
      expect(after).toContain('0 von 1 Plätzen frei, 1 auf der Warteliste');

      const cancelled = (await ctx.db('enrollments').where('id', enrollment.id).first()) as EnrollmentRow;
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.cancelled_at).toBeInstanceOf(Date);
      expect((await enrollmentOf(firstWaiting.user.id, offering.id)).status).toBe('confirmed');
      expect((await enrollmentOf(secondWaiting.user.id, offering.id)).status).toBe('waitlisted');
      await ctx.deliverMail();
      expect(subjects()).toEqual([`${holder.user.email} | Abmeldung: Workshop Herbst`, `${firstWaiting.user.email} | Sie haben einen Platz: Workshop Herbst`]);
      expect(ctx.mailbox[1]!.text).toContain(`http://campus.test/offerings/${offering.id}`);
      expect(textOf((await firstWaiting.agent.get(`/offerings/${offering.id}`)).text)).toContain('Sie sind angemeldet. Ihr Platz ist bestätigt.');
      expect(textOf((await secondWaiting.agent.get(`/offerings/${offering.id}`)).text)).toContain('Sie stehen auf der Warteliste (Platz 1).');
    });

    it('moves nobody up when a waiting person cancels', async () => {
      const offering = await createOffering(ctx.db, { capacity: 1 });
      const holder = await participant();
      const firstWaiting = await participant();
      const secondWaiting = await participant();
      for (const person of [holder, firstWaiting, secondWaiting]) await enroll(person.agent, offering.id);
      const enrollment = await enrollmentOf(firstWaiting.user.id, offering.id);
      await ctx.deliverMail();
      ctx.mailbox.length = 0;

      expect((await submitForm(firstWaiting.agent, '/', `/enrollments/${enrollment.id}/cancel`, { confirm: 'yes' })).status).toBe(303);
      expect((await enrollmentOf(holder.user.id, offering.id)).status).toBe('confirmed');
      expect((await enrollmentOf(secondWaiting.user.id, offering.id)).status).toBe('waitlisted');
      await ctx.deliverMail();
      expect(ctx.mailbox.map((mail) => mail.subject)).toEqual([expect.stringMatching(/^Abmeldung: /)]);
      expect(textOf((await secondWaiting.agent.get(`/offerings/${offering.id}`)).text)).toContain('Sie stehen auf der Warteliste (Platz 1).');
    });

    it('refuses to cancel after the deadline, with a message, and changes nothing', async () => {
      const offering = await createOffering(ctx.db, { capacity: 1, startsInDays: 10, cancellationDeadlineInDays: -1 });
      const holder = await createUser(ctx.db);
      const waiting = await createUser(ctx.db);
      const [enrollment] = await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: holder.id, status: 'confirmed', confirmed_at: new Date() }).returning('id');
      await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: waiting.id, status: 'waitlisted' });
      const agent = await loginAs(ctx.app, holder);
      const before = await enrollmentsTable();

      const detail = await agent.get(`/offerings/${offering.id}`);
      expect(textOf(detail.text)).toContain('Die Frist zur Abmeldung ist abgelaufen. Bitte wenden Sie sich an die Koordination.');
      expect(detail.text).not.toContain(`/enrollments/${enrollment.id}/cancel`);

      const response = await submitForm(agent, '/', `/enrollments/${enrollment.id}/cancel`, {});
      expect(response.status).toBe(409);
      expect(textOf(response.text)).toContain('Die Frist zur Abmeldung ist abgelaufen. Bitte wenden Sie sich an die Koordination.');
      expect(await enrollmentsTable()).toEqual(before);
      await ctx.deliverMail();
      expect(ctx.mailbox).toEqual([]);
    });

    it('without a set deadline, allows cancelling only until the first session begins', async () => {
      const running = await createOffering(ctx.db, { startsInDays: -1, sessions: 2, registrationOpensInDays: -30, registrationClosesInDays: -2 });
      const { user, agent } = await participant();
      const [enrollment] = await ctx.db('enrollments').insert({ offering_id: running.id, user_id: user.id, status: 'confirmed', confirmed_at: new Date() }).returning('id');
      const before = await enrollmentsTable();
      const response = await submitForm(agent, '/', `/enrollments/${enrollment.id}/cancel`, {});
      expect(response.status).toBe(409);
      expect(textOf(response.text)).toContain('Die Frist zur Abmeldung ist abgelaufen.');
      expect(await enrollmentsTable()).toEqual(before);
    });

    it("answers 404 for someone else's enrollment and 409 for one already cancelled, changing nothing", async () => {
      const offering = await createOffering(ctx.db, { cancellationDeadlineInDays: 5 });
      const owner = await participant();
      const stranger = await participant();
      await enroll(owner.agent, offering.id);
      const enrollment = await enrollmentOf(owner.user.id, offering.id);
      await ctx.deliverMail();
      ctx.mailbox.length = 0;
      const before = await enrollmentsTable();

      const foreign = await submitForm(stranger.agent, '/', `/enrollments/${enrollment.id}/cancel`, {});
      expect(foreign.status).toBe(404);
      expect(await submitForm(stranger.agent, '/', '/enrollments/999999/cancel', {}).then((response) => response.status)).toBe(404);
      expect(await enrollmentsTable()).toEqual(before);

      expect((await submitForm(owner.agent, '/', `/enrollments/${enrollment.id}/cancel`, { confirm: 'yes' })).status).toBe(303);
      const cancelledState = await enrollmentsTable();
      const again = await submitForm(owner.agent, '/', `/enrollments/${enrollment.id}/cancel`, { confirm: 'yes' });
      expect(again.status).toBe(409);
      expect(textOf(again.text)).toContain('Diese Anmeldung ist nicht mehr aktiv.');
      expect(await enrollmentsTable()).toEqual(cancelledState);
      await ctx.deliverMail();
      expect(ctx.mailbox).toHaveLength(1);
    });

    it('goes back only to pages of this site after cancelling', async () => {
      const offering = await createOffering(ctx.db, { cancellationDeadlineInDays: 5 });
      const { user, agent } = await participant();
      await enroll(agent, offering.id);
      const enrollment = await enrollmentOf(user.id, offering.id);
      const response = await submitForm(agent, '/', `/enrollments/${enrollment.id}/cancel`, { confirm: 'yes', returnTo: '//evil.example/phish' });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe('/my/dates');
    });
  });
});
