import { useTestApp } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { createUser, type TestUser } from '../support/factories';
import { csrfTokenIn, loginAs, submitForm, textOf, type Agent } from '../support/http';

/**
 * The catalog owns an offering's capacity and status; the seats in it belong to the
 * enrollment domain. Every change of the one reaches the other, whichever form made it.
 */
describe('offering changes reach the seats', () => {
  const ctx = useTestApp();

  async function coordinator(): Promise<Agent> {
    return loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
  }

  async function enrol(offeringId: number, status: 'confirmed' | 'waitlisted' | 'pending', minutesAgo: number): Promise<TestUser> {
    const person = await createUser(ctx.db);
    const at = new Date(Date.now() - minutesAgo * 60_000);
    await ctx.db('enrollments').insert({ offering_id: offeringId, user_id: person.id, status, requested_at: at, confirmed_at: status === 'confirmed' ? at : null });
    return person;
  }

  /** The offering edit form with the offering's current values, as a coordinator sends it. */
  async function editFields(offeringId: number, overrides: Record<string, string>) {
    const offering = await ctx.db('offerings').where('id', offeringId).first();
    const local = (value: Date) => new Date(value.getTime() - value.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    return {
      title: offering.title,
      description: offering.description ?? '',
      capacity: String(offering.capacity),
      registrationOpensAt: local(offering.registration_opens_at),
      registrationClosesAt: local(offering.registration_closes_at),
      cancellationDeadline: '',
      location: offering.location,
      requiresApproval: 'no',
      ...overrides,
    };
  }

  const statusOf = async (person: TestUser, offeringId: number) => (await ctx.db('enrollments').where({ user_id: person.id, offering_id: offeringId }).first()).status;

  it('fills free seats from the waitlist when the edit form raises the capacity, in order, and mails the promoted', async () => {
    const offering = await createOffering(ctx.db, { title: 'Fachtag Eisenach', capacity: 2 });
    await enrol(offering.id, 'confirmed', 50);
    await enrol(offering.id, 'confirmed', 40);
    const first = await enrol(offering.id, 'waitlisted', 30);
    const second = await enrol(offering.id, 'waitlisted', 20);
    const third = await enrol(offering.id, 'waitlisted', 10);
    const agent = await coordinator();

    const response = await submitForm(agent, `/manage/offerings/${offering.id}/edit`, `/manage/offerings/${offering.id}`, await editFields(offering.id, { capacity: '4' }));
    expect(response.status).toBe(303);

    expect(await statusOf(first, offering.id)).toBe('confirmed');
    expect(await statusOf(second, offering.id)).toBe('confirmed');
    expect(await statusOf(third, offering.id)).toBe('waitlisted');
    await ctx.deliverMail();
    const promotedMails = ctx.mailbox.filter((mail) => mail.subject.startsWith('Sie haben einen Platz'));
    expect(promotedMails.map((mail) => mail.to).sort()).toEqual([first.email, second.email].sort());
    const list = await agent.get(`/manage/offerings/${offering.id}/enrollments`);
    expect(textOf(list.text)).toContain('Warteliste');
  });

  it('fills free seats the same way through the capacity form beside the enrollment list', async () => {
    const offering = await createOffering(ctx.db, { capacity: 1 });
    await enrol(offering.id, 'confirmed', 30);
    const waiting = await enrol(offering.id, 'waitlisted', 20);
    const agent = await coordinator();
    const response = await submitForm(agent, `/manage/offerings/${offering.id}/enrollments`, `/manage/offerings/${offering.id}/capacity`, { capacity: '2' });
    expect(response.status).toBe(303);
    expect(await statusOf(waiting, offering.id)).toBe('confirmed');
  });

  it('ends every enrollment of a cancelled offering, tells each person, and marks its dates cancelled in their calendar feed', async () => {
    const offering = await createOffering(ctx.db, { title: 'Workshop Frühjahr', capacity: 2 });
    const seated = await enrol(offering.id, 'confirmed', 30);
    const waiting = await enrol(offering.id, 'waitlisted', 20);
    const pending = await enrol(offering.id, 'pending', 10);
    const earlier = await enrol(offering.id, 'confirmed', 60);
    await ctx.db('enrollments').where({ user_id: earlier.id }).update({ status: 'cancelled', cancelled_at: new Date() });

    // The seated person subscribed to their calendar before the cancellation.
    const person = await loginAs(ctx.app, seated);
    const dates = await person.get('/my/dates');
    await person.post('/my/calendar-feed').type('form').send({ _csrf: csrfTokenIn(dates.text) });
    const feedPath = /<input[^>]*id="feed-url"[^>]*value="([^"]+)"/.exec((await person.get('/my/dates')).text)![1]!.replace(/^https?:\/\/[^/]+/, '');
    expect((await person.get(feedPath)).text).toContain('Workshop Frühjahr');

    const agent = await coordinator();
    const confirmation = await agent.get(`/manage/offerings/${offering.id}/cancel`);
    const response = await agent.post(`/manage/offerings/${offering.id}/cancel`).type('form').send({ _csrf: csrfTokenIn(confirmation.text) });
    expect(response.status).toBe(303);

    for (const someone of [seated, waiting, pending]) expect(await statusOf(someone, offering.id)).toBe('cancelled');
    await ctx.deliverMail();
    const cancellationMails = ctx.mailbox.filter((mail) => mail.text.includes('Workshop Frühjahr'));
    expect(cancellationMails.map((mail) => mail.to).sort()).toEqual([seated.email, waiting.email, pending.email].sort());
    expect(ctx.mailbox.some((mail) => mail.to === earlier.email)).toBe(false);
    expect(await ctx.db('audit_events').where({ action: 'enrollment.cancelled' }).count({ count: '*' }).first()).toEqual({ count: 3 });

    const feed = await person.get(feedPath);
    expect(feed.status).toBe(200);
    // Still there, marked cancelled (as the CANCEL mailed to the person says), not silently gone.
    const events = feed.text.split('BEGIN:VEVENT').slice(1);
    expect(events).toHaveLength(1);
    expect(events[0]).toContain('Workshop Frühjahr');
    expect(events[0]).toContain('STATUS:CANCELLED');
    const myDates = textOf((await person.get('/my/dates')).text);
    expect(myDates).toContain('Sie haben keine anstehenden Termine.');
    expect(myDates).toContain('Workshop Frühjahr : abgemeldet – Dieses Angebot wurde abgesagt.');
  });

  it('cancels nothing and mails nobody when the cancellation is refused', async () => {
    const offering = await createOffering(ctx.db, { status: 'cancelled' });
    const seated = await enrol(offering.id, 'confirmed', 30);
    const agent = await coordinator();
    const page = await agent.get(`/manage/offerings/${offering.id}`);
    const response = await agent.post(`/manage/offerings/${offering.id}/cancel`).type('form').send({ _csrf: csrfTokenIn(page.text) });
    expect(response.status).toBe(409);
    expect(await statusOf(seated, offering.id)).toBe('confirmed');
    await ctx.deliverMail();
    expect(ctx.mailbox).toEqual([]);
  });
});
