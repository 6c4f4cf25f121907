import { anonymisePerson } from '../../src/privacy/erasure.service';
import { deleteExpiredHistory } from '../../src/mail/history.retention';
import { useTestApp } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { countQueries } from '../support/database';
import { createUser } from '../support/factories';
import { loginAs, submitForm, textOf } from '../support/http';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('message history', () => {
  const ctx = useTestApp();

  /** A coordinator writes to an offering with `person` confirmed; the mail is delivered. */
  async function messageTo(person: { id: number }) {
    const offering = await createOffering(ctx.db);
    await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
    const coordinator = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
    const sent = await submitForm(coordinator, `/manage/offerings/${offering.id}/messages/new`, `/manage/offerings/${offering.id}/messages`, { group_confirmed: 'yes', subject: 'Neuer Raum', body: 'Saal 3.' });
    expect(sent.status).toBe(303);
    await ctx.deliverMail();
    return { coordinator, offering };
  }

  it('shows coordination what a person was sent (date, kind, subject, state) in at most six statements, and links it from the person view', async () => {
    const person = await createUser(ctx.db, { firstName: 'Hanna', lastName: 'Historie' });
    const { coordinator } = await messageTo(person);
    const people = await coordinator.get('/reports/people');
    expect(people.text).toContain(`href="/reports/people/${person.id}/messages"`);
    let page = await coordinator.get(`/reports/people/${person.id}/messages`);
    const statements = await countQueries(ctx.db, async () => {
      page = await coordinator.get(`/reports/people/${person.id}/messages`);
    });
    expect(page.status).toBe(200);
    expect(statements).toBeLessThanOrEqual(6);
    const text = textOf(page.text);
    expect(text).toContain('Nachrichten an Hanna Historie');
    expect(text).toMatch(/\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} Uhr Nachricht der Koordination Neuer Raum Versendet/);
    expect((await coordinator.get('/reports/people/999999/messages')).status).toBe(404);
  });

  it('lists the person\'s own messages in English for an English account, and in their data export', async () => {
    const person = await createUser(ctx.db, { locale: 'en' });
    await messageTo(person);
    const agent = await loginAs(ctx.app, person);
    const own = await agent.get('/my/messages');
    expect(textOf(own.text)).toContain('Message from the coordination office');
    expect(textOf(own.text)).toContain('Sent');
    const account = await agent.get('/account');
    expect(account.text).toContain('href="/my/messages"');
    // Past the outbox's 30 days the history still answers the export.
    await ctx.db('outgoing_mails').delete();
    const exported = JSON.parse((await agent.get('/account/data.json')).text) as { mails: { subject: string; sentAt: string | null }[] };
    expect(exported.mails).toEqual([expect.objectContaining({ subject: 'Neuer Raum', sentAt: expect.any(String) })]);
  });

  it('is deleted when the person is anonymised, and after a year', async () => {
    const erased = await createUser(ctx.db);
    const kept = await createUser(ctx.db);
    await messageTo(erased);
    await messageTo(kept);
    await ctx.db.transaction((trx) => anonymisePerson(trx, erased.id, new Date()));
    expect(await ctx.db('message_log').where('user_id', erased.id)).toHaveLength(0);
    expect(await ctx.db('coordinator_message_recipients').where('user_id', erased.id)).toHaveLength(0);
    expect(await ctx.db('message_log').where('user_id', kept.id)).toHaveLength(1);

    expect(await deleteExpiredHistory(ctx.db, new Date(Date.now() + 364 * DAY_MS))).toEqual({ history: 0, claims: 0 });
    expect((await deleteExpiredHistory(ctx.db, new Date(Date.now() + 366 * DAY_MS))).history).toBe(1);
    expect(await ctx.db('message_log')).toHaveLength(0);
  });
});
