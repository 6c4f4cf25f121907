import { useTestApp } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { csrfTokenIn, loginAs, submitForm, textOf } from '../support/http';
import { MAX_ATTEMPTS } from '../../src/mail/outbox.service';
import { createLogger } from '../../src/http/logger';
import { createMessagesService } from '../../src/messages/messages.service';

describe('messages from coordinators', () => {
  const ctx = useTestApp();

  async function offeringWithPeople() {
    const trainer = await createUser(ctx.db, { role: 'trainer', firstName: 'Tara', lastName: 'Lehrmann' });
    const offering = await createOffering(ctx.db, { capacity: 3, trainerIds: [trainer.id] });
    const confirmed = [await createUser(ctx.db, { firstName: 'Anna' }), await createUser(ctx.db, { firstName: 'Ben', locale: 'en' })];
    const waitlisted = [await createUser(ctx.db, { firstName: 'Cleo' })];
    for (const person of confirmed) await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
    for (const person of waitlisted) await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'waitlisted' });
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    return { offering, trainer, confirmed, waitlisted, coordinator, agent: await loginAs(ctx.app, coordinator) };
  }

  const base = (offeringId: number) => `/manage/offerings/${offeringId}/messages`;

  it('previews with the recipient count, sends at once and delivers one mail per person in their language, with a record and an audit entry', async () => {
    const { offering, confirmed, trainer, agent, coordinator } = await offeringWithPeople();
    const fields = { group_confirmed: 'yes', group_trainers: 'yes', subject: 'Raumänderung am Montag', body: 'Wir treffen uns im Saal 2.\n\nBitte bringen Sie Ihre Unterlagen mit.' };
    const preview = await submitForm(agent, `${base(offering.id)}/new`, `${base(offering.id)}/preview`, fields);
    expect(preview.status).toBe(200);
    expect(textOf(preview.text)).toContain('Die Nachricht geht an 3 Personen.');
    expect(textOf(preview.text)).toContain('Wir treffen uns im Saal 2.');
    // Nothing is stored by a preview.
    expect(await ctx.db('coordinator_messages')).toHaveLength(0);

    const sent = await agent.post(base(offering.id)).type('form').send({ ...fields, action: 'send', _csrf: csrfTokenIn(preview.text) });
    expect(sent.status).toBe(303);
    const messagePage = sent.headers.location!;
    expect(messagePage).toMatch(new RegExp(`^${base(offering.id)}/\\d+$`));

    // The background composition and the outbox deliver.
    await ctx.deliverMail();
    const recipients = ctx.mailbox.map((mail) => mail.to).sort();
    expect(recipients).toEqual([...confirmed, trainer].map((person) => person.email).sort());
    const english = ctx.mailbox.find((mail) => mail.to === confirmed[1]!.email)!;
    expect(english.subject).toBe('Raumänderung am Montag');
    expect(english.text).toContain('Dear Ben');
    expect(english.text).toContain('Kind regards');
    const german = ctx.mailbox.find((mail) => mail.to === confirmed[0]!.email)!;
    expect(german.text).toContain(`Guten Tag Anna ${confirmed[0]!.lastName},`);
    expect(german.text).toContain('Bitte bringen Sie Ihre Unterlagen mit.');
    expect(german.kind).toBe('message.coordinator');

    const page = await agent.get(messagePage);
    expect(page.status).toBe(200);
    expect(textOf(page.text)).toContain('3 von 3 zugestellt');
    // The offering's own page shows the latest messages with their delivery.
    const offeringPage = await agent.get(`/manage/offerings/${offering.id}`);
    expect(textOf(offeringPage.text)).toContain('Raumänderung am Montag');
    expect(textOf(offeringPage.text)).toContain('3 von 3 zugestellt');
    const list = await agent.get(base(offering.id));
    expect(textOf(list.text)).toContain('Raumänderung am Montag');
    expect(textOf(list.text)).toContain('3 von 3 zugestellt');

    const [audit] = await ctx.db('audit_events').where({ action: 'message.sent' });
    expect(audit).toMatchObject({ actor_user_id: coordinator.id, subject_type: 'offering', subject_id: String(offering.id) });
    expect(audit.after).toMatchObject({ recipients: 3, groups: ['confirmed', 'trainers'] });
  });

  it('refuses a message without group, subject or text with 422, keeps the input and stores nothing', async () => {
    const { offering, agent } = await offeringWithPeople();
    const response = await submitForm(agent, `${base(offering.id)}/new`, `${base(offering.id)}/preview`, { subject: '', body: 'Ein Text, der bleiben soll.' });
    expect(response.status).toBe(422);
    expect(response.text).toContain('href="#field-groups"');
    expect(textOf(response.text)).toContain('Bitte wählen Sie mindestens eine Empfängergruppe aus.');
    expect(response.text).toContain('Ein Text, der bleiben soll.');
    const tooLong = await submitForm(agent, `${base(offering.id)}/new`, base(offering.id), { group_confirmed: 'yes', subject: 'x'.repeat(201), body: 'Text' });
    expect(tooLong.status).toBe(422);
    expect(textOf(tooLong.text)).toContain('Höchstens 200 Zeichen.');
    expect(await ctx.db('coordinator_messages')).toHaveLength(0);
  });

  it('"Ändern" on the preview goes back to the form with what was written', async () => {
    const { offering, agent } = await offeringWithPeople();
    const preview = await submitForm(agent, `${base(offering.id)}/new`, `${base(offering.id)}/preview`, { group_waitlisted: 'yes', subject: 'Warteliste', body: 'Es gibt Neuigkeiten.' });
    const edit = await agent.post(base(offering.id)).type('form').send({ group_waitlisted: 'yes', subject: 'Warteliste', body: 'Es gibt Neuigkeiten.', action: 'edit', _csrf: csrfTokenIn(preview.text) });
    expect(edit.status).toBe(200);
    expect(edit.text).toMatch(/name="group_waitlisted" value="yes" checked/);
    expect(edit.text).toContain('Es gibt Neuigkeiten.');
    expect(await ctx.db('coordinator_messages')).toHaveLength(0);
  });

  it('lists failed deliveries by name and sends them again', async () => {
    const { offering, confirmed, agent } = await offeringWithPeople();
    ctx.transportDown = true;
    const sent = await submitForm(agent, `${base(offering.id)}/new`, base(offering.id), { group_confirmed: 'yes', subject: 'Hinweis', body: 'Text' });
    await ctx.deliverMail();
    // A day of failed attempts later, the outbox gives up on them.
    await ctx.db('outgoing_mails').whereNull('sent_at').update({ attempts: MAX_ATTEMPTS - 1, next_attempt_at: ctx.db.fn.now() });
    await ctx.outbox.deliverDue();
    const failedPage = await agent.get(sent.headers.location!);
    expect(textOf(failedPage.text)).toContain('0 von 2 zugestellt, 2 fehlgeschlagen');
    expect(textOf(failedPage.text)).toContain(confirmed[0]!.email);

    ctx.transportDown = false;
    const retry = await agent.post(`${sent.headers.location!}/retry`).type('form').send({ _csrf: csrfTokenIn(failedPage.text) });
    expect(retry.status).toBe(303);
    await ctx.deliverMail();
    expect(ctx.mailbox.map((mail) => mail.to).sort()).toEqual(confirmed.map((person) => person.email).sort());
    expect(textOf((await agent.get(sent.headers.location!)).text)).toContain('2 von 2 zugestellt');
    expect(await ctx.db('audit_events').where({ action: 'message.retried' })).toHaveLength(1);
  });

  it('skips a recipient deactivated before their mail was composed, and the message still finishes', async () => {
    const { offering, confirmed, agent, coordinator } = await offeringWithPeople();
    // A message stored by an instance that stopped before composing (as the request leaves it).
    const [message] = await ctx.db('coordinator_messages').insert({ offering_id: offering.id, sender_user_id: coordinator.id, groups: ['confirmed'], subject: 'Hinweis', body: 'Text', recipient_count: 2 }).returning('id');
    await ctx.db('coordinator_message_recipients').insert(confirmed.map((person) => ({ message_id: message.id, user_id: person.id })));
    await ctx.db('users').where('id', confirmed[1]!.id).update({ active: false });
    const service = createMessagesService({ db: ctx.db, outbox: ctx.outbox, config: ctx.config, logger: createLogger(ctx.config) });
    const [first, second] = await Promise.all([service.expandPending(), service.expandPending()]);
    expect(first + second).toBe(2);
    await ctx.deliverMail();
    expect(ctx.mailbox.map((mail) => mail.to)).toEqual([confirmed[0]!.email]);
    const page = textOf((await agent.get(`${base(offering.id)}/${message.id}`)).text);
    expect(page).toContain('1 von 2 zugestellt');
    expect(page).not.toContain('Versand läuft');
  });

  it('is for coordination only: participants and trainers get 403, another offering\'s message is not found', async () => {
    const { offering, trainer, confirmed, agent } = await offeringWithPeople();
    const other = await createOffering(ctx.db);
    const sent = await submitForm(agent, `${base(offering.id)}/new`, base(offering.id), { group_confirmed: 'yes', subject: 'Hinweis', body: 'Text' });
    const messageId = sent.headers.location!.split('/').pop();
    expect((await agent.get(`${base(other.id)}/${messageId}`)).status).toBe(404);
    for (const person of [trainer, confirmed[0]!]) {
      const visitor = await loginAs(ctx.app, person);
      expect((await visitor.get(`${base(offering.id)}/new`)).status).toBe(403);
      expect((await visitor.get(sent.headers.location!)).status).toBe(403);
    }
  });
});
