import { useTestApp } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { createOrganisation, createUser, type TestUser } from '../support/factories';
import { csrfTokenIn, loginAs, type Agent } from '../support/http';

/** Many colleagues click "Anmelden" in the same second: no overbooking, fair order, no duplicates. */
describe('enrollment under parallel requests', () => {
  const ctx = useTestApp();

  async function loggedInParticipants(count: number): Promise<{ user: TestUser; agent: Agent; token: string }[]> {
    const organisation = await createOrganisation(ctx.db);
    const people = [];
    for (let index = 0; index < count; index += 1) {
      const user = await createUser(ctx.db, { organisationId: organisation.id, email: `person${index}@parallel.example` });
      const agent = await loginAs(ctx.app, user);
      const page = await agent.get('/my/dates');
      people.push({ user, agent, token: csrfTokenIn(page.text) });
    }
    return people;
  }

  // 100 logins (argon2 each) come first: the time limit allows for them on a busy machine.
  it('fills exactly 10 seats from 100 parallel requests and waitlists the other 90 in request order', async () => {
    const offering = await createOffering(ctx.db, { capacity: 10 });
    const people = await loggedInParticipants(100);

    const responses = await Promise.all(people.map(({ agent, token }) => agent.post(`/offerings/${offering.id}/enroll`).type('form').send({ _csrf: token })));
    expect(responses.every((response) => response.status === 303)).toBe(true);

    const rows = await ctx.db('enrollments').where('offering_id', offering.id).orderBy([{ column: 'requested_at' }, { column: 'id' }]);
    expect(rows).toHaveLength(100);
    expect(new Set(rows.map((row) => row.user_id)).size).toBe(100);
    expect(rows.filter((row) => row.status === 'confirmed')).toHaveLength(10);
    expect(rows.filter((row) => row.status === 'waitlisted')).toHaveLength(90);
    // The first ten to get the offering's lock hold the seats; everyone after them waits, in that order.
    expect(rows.slice(0, 10).every((row) => row.status === 'confirmed')).toBe(true);
    expect(rows.slice(10).every((row) => row.status === 'waitlisted')).toBe(true);

    // Each waitlisted person sees their own, distinct place.
    const last = people.find((person) => person.user.id === rows[99].user_id)!;
    const page = await last.agent.get(`/offerings/${offering.id}`);
    expect(page.text).toContain('Warteliste (Platz 90)');
    await ctx.deliverMail();
    expect(ctx.mailbox.filter((mail) => mail.subject.startsWith('Anmeldung bestätigt'))).toHaveLength(10);
    expect(ctx.mailbox.filter((mail) => mail.subject.startsWith('Warteliste'))).toHaveLength(90);
  }, 90_000);

  it('never lets one person hold two seats, even when they double-click', async () => {
    const offering = await createOffering(ctx.db, { capacity: 5 });
    const [person] = await loggedInParticipants(1);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => person!.agent.post(`/offerings/${offering.id}/enroll`).type('form').send({ _csrf: person!.token })),
    );
    expect(responses.filter((response) => response.status === 303)).toHaveLength(1);
    expect(responses.filter((response) => response.status === 409)).toHaveLength(9);
    expect(await ctx.db('enrollments').where({ offering_id: offering.id, user_id: person!.user.id })).toHaveLength(1);
  });

  it('promotes waiting people in order when confirmed people cancel in parallel', async () => {
    const offering = await createOffering(ctx.db, { capacity: 5 });
    const people = await loggedInParticipants(12);
    for (const { agent, token } of people) await agent.post(`/offerings/${offering.id}/enroll`).type('form').send({ _csrf: token });
    const before = await ctx.db('enrollments').where('offering_id', offering.id).orderBy('id');
    const waiting = before.filter((row) => row.status === 'waitlisted').map((row) => row.user_id);
    expect(waiting).toHaveLength(7);
    await ctx.deliverMail();
    ctx.mailbox.length = 0;

    const cancellers = people.slice(0, 4);
    const cancelled = await Promise.all(
      cancellers.map(({ agent, token, user }) => {
        const enrollment = before.find((row) => row.user_id === user.id)!;
        return agent.post(`/enrollments/${enrollment.id}/cancel`).type('form').send({ _csrf: token, confirm: 'yes' });
      }),
    );
    expect(cancelled.every((response) => response.status === 303)).toBe(true);

    const after = await ctx.db('enrollments').where('offering_id', offering.id).orderBy('id');
    const confirmed = after.filter((row) => row.status === 'confirmed').map((row) => row.user_id);
    expect(confirmed).toHaveLength(5);
    // The first four on the waitlist moved up; the remaining three keep their order.
    expect(confirmed).toEqual(expect.arrayContaining(waiting.slice(0, 4)));
    expect(after.filter((row) => row.status === 'waitlisted').map((row) => row.user_id)).toEqual(waiting.slice(4));
    await ctx.deliverMail();
    const promotedMails = ctx.mailbox.filter((mail) => mail.subject.startsWith('Sie haben einen Platz'));
    expect(promotedMails).toHaveLength(4);
  });
});
