import { createBulkNotices } from '../../src/enrollment/bulk-notices';
import { createEnrollmentNotifier } from '../../src/enrollment/enrollment.notifications';
import { useTestApp } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { createOrganisation, createUser } from '../support/factories';
import { csrfTokenIn, hiddenValue, loginAs, textOf, type Agent } from '../support/http';

const PEOPLE = 40;

describe('bulk enrollment sends its mails through the queue', () => {
  const ctx = useTestApp();

  async function takeOver(agent: Agent, offeringId: number, list: string) {
    const form = await agent.get(`/manage/offerings/${offeringId}/enrollments/bulk`);
    const preview = await agent.post(`/manage/offerings/${offeringId}/enrollments/bulk?_csrf=${encodeURIComponent(csrfTokenIn(form.text))}`).field('list', list);
    expect(preview.status).toBe(200);
    return agent.post(`/manage/offerings/${offeringId}/enrollments/bulk/confirm`).type('form').send({ previewId: hiddenValue(preview.text, 'previewId'), _csrf: csrfTokenIn(preview.text) });
  }

  it('takes over a list without composing a mail per person in the request; the background then sends confirmations and invitations', async () => {
    const organisation = await createOrganisation(ctx.db, { name: 'Gemeinde Listenau' });
    const offering = await createOffering(ctx.db, { capacity: PEOPLE });
    const existing = await createUser(ctx.db, { organisationId: organisation.id, firstName: 'Vorhanden' });
    const lines = [`${existing.email};Vorhanden;${existing.lastName};Gemeinde Listenau`];
    for (let index = 1; index < PEOPLE; index += 1) lines.push(`neu${index}@listenau.example;Neu;Person ${index};Gemeinde Listenau`);
    const agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));

    const response = await takeOver(agent, offering.id, lines.join('\n'));
    expect(response.status).toBe(303);
    // The request stored what each person is to be told, as one row; the mails are composed after it (tracked by the outbox).
    expect(await ctx.db('enrollment_notice_batches').where('offering_id', offering.id).select('total')).toEqual([{ total: PEOPLE }]);

    await ctx.deliverMail();
    expect(ctx.mailbox).toHaveLength(PEOPLE);
    expect(new Set(ctx.mailbox.map((mail) => mail.to)).size).toBe(PEOPLE);
    const invitation = ctx.mailbox.find((mail) => mail.to === 'neu1@listenau.example')!;
    expect(invitation.text).toMatch(/http:\/\/campus\.test\/\S+/);
    // The composed batch keeps no invitation links, only its count.
    const [batch] = await ctx.db('enrollment_notice_batches').where('offering_id', offering.id);
    expect(batch.notices).toEqual([]);
    expect(batch.composed_at).not.toBeNull();
    const page = await agent.get(`/manage/offerings/${offering.id}/enrollments/bulk`);
    expect(textOf(page.text)).toContain(`${PEOPLE} E-Mails sind vorbereitet und werden versendet.`);
  });

  it('composes a batch left by an instance that stopped, once, from the job', async () => {
    const offering = await createOffering(ctx.db);
    const person = await createUser(ctx.db);
    await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
    await ctx.db('enrollment_notice_batches').insert({ offering_id: offering.id, total: 1, notices: JSON.stringify([{ kind: 'confirmed', userId: person.id, offeringId: offering.id, offeringTitle: offering.title }]) });
    const notices = createBulkNotices({ db: ctx.db, notify: createEnrollmentNotifier(ctx.outbox, ctx.config) });
    const [first, second] = await Promise.all([notices.composePending(), notices.composePending()]);
    expect(first + second).toBe(1);
    await ctx.deliverMail();
    expect(ctx.mailbox.map((mail) => mail.to)).toEqual([person.email]);
  });
});
