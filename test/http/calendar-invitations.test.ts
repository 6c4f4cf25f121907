import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createOrganisation, createUser, type TestUser } from '../support/factories';
import { loginAs, newAgent, submitForm, textOf, type Agent } from '../support/http';
import { invitationIn, parseCalendar } from '../support/ical';
import type { OutgoingMail } from '../../src/mail/mailer';
import { toBerlinInputValue } from '../../src/shared/format';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * 14 January at least five weeks ahead: a winter day, so 10:00 in Berlin is 09:00 UTC,
 * whenever the test runs (the offering's registration closes before it).
 */
function winterDay(): { year: number; at: (hourUtc: number, dayOffset?: number) => Date } {
  const soon = new Date(Date.now() + 35 * DAY_MS);
  let year = soon.getUTCFullYear();
  if (Date.UTC(year, 0, 14) < soon.getTime()) year += 1;
  return { year, at: (hourUtc, dayOffset = 0) => new Date(Date.UTC(year, 0, 14 + dayOffset, hourUtc)) };
}

describe('calendar invitations that update themselves', () => {
  const ctx = useTestApp();
  const day = winterDay();
  let organisationId: number;

  beforeEach(async () => {
    organisationId = (await createOrganisation(ctx.db)).id;
  });

  const person = (overrides: Parameters<typeof createUser>[1] = {}) => createUser(ctx.db, { organisationId, ...overrides });
  const mailsTo = (user: TestUser) => ctx.mailbox.filter((mail) => mail.to === user.email);
  const onlyMailTo = (user: TestUser): OutgoingMail => {
    const mails = mailsTo(user);
    if (mails.length !== 1) throw new Error(`expected one mail to ${user.email}, got: ${mails.map((mail) => mail.subject).join(', ') || 'none'}`);
    return mails[0]!;
  };
  const sequenceOf = async (sessionId: number) => ((await ctx.db('offering_sessions').first('calendar_sequence').where('id', sessionId)) as { calendar_sequence: number }).calendar_sequence;

  /** A workshop with two sessions on winter days: 14 Jan 10:00–16:00 and 28 Jan 10:00–16:00 Berlin. */
  async function winterOffering(options: { capacity?: number; title?: string; programmeId?: number } = {}) {
    const offering = await createOffering(ctx.db, { sessions: 2, capacity: options.capacity ?? 10, title: options.title ?? 'Workshop Winter', startsInDays: 30, programmeId: options.programmeId });
    await ctx.db('offerings').where('id', offering.id).update({ registration_closes_at: new Date(day.at(0).getTime() - 2 * DAY_MS) });
    for (const [index, sessionId] of offering.sessionIds.entries()) {
      await ctx.db('offering_sessions').where('id', sessionId).update({ starts_at: day.at(9, index * 14), ends_at: day.at(15, index * 14), location: 'Landratsamt, Saal 1' });
    }
    return offering;
  }

  async function seat(offeringId: number, user: TestUser, status: 'confirmed' | 'waitlisted'): Promise<number> {
    const [row] = await ctx
      .db('enrollments')
      .insert({ offering_id: offeringId, user_id: user.id, status, confirmed_at: status === 'confirmed' ? new Date() : null })
      .returning('id');
    return (row as { id: number }).id;
  }

  async function coordinatorAgent(): Promise<Agent> {
    return loginAs(ctx.app, await person({ role: 'coordinator', firstName: 'Clara', lastName: 'Koordina' }));
  }

  /** Saves a session through the edit form as a coordinator would, changing only `changes`. */
  async function editSession(agent: Agent, offeringId: number, sessionId: number, changes: Record<string, string>) {
    const editPage = `/manage/offerings/${offeringId}/sessions/${sessionId}/edit`;
    const fields = { startsAt: `${day.year}-01-14T10:00`, endsAt: `${day.year}-01-14T16:00`, location: 'Landratsamt, Saal 1', onlineUrl: '', teachingUnits: '', ...changes };
    const response = await submitForm(agent, editPage, `/manage/offerings/${offeringId}/sessions/${sessionId}`, fields);
    expect(response.status).toBe(303);
    await ctx.deliverMail();
  }

  describe('confirmations carry the invitation', () => {
    it('sends a participant who enrolls a REQUEST with one event per session, in Berlin time, addressed to them', async () => {
      const offering = await winterOffering();
      const participant = await person({ firstName: 'Lena', lastName: 'Schäfer' });
      const agent = await loginAs(ctx.app, participant);
      expect((await submitForm(agent, `/offerings/${offering.id}`, `/offerings/${offering.id}/enroll`, {})).status).toBe(303);
      await ctx.deliverMail();

      const mail = onlyMailTo(participant);
      expect(mail.subject).toBe('Anmeldung bestätigt: Workshop Winter');
      expect(mail.text).toContain('Die Termine sind als Kalendereinladung angehängt');
      expect(mail).toMatchObject({ userId: participant.id, kind: 'enrollment.confirmed' });
      const invitation = invitationIn(mail);
      expect(invitation.partMethod).toBe('REQUEST');
      expect(invitation.method).toBe('REQUEST');
      expect(invitation.events.map((event) => event.uid)).toEqual(offering.sessionIds.map((id) => `session-${id}@campus.test`));
      const [first] = invitation.events;
      expect(first).toMatchObject({
        sequence: 0,
        status: 'CONFIRMED',
        tzid: 'Europe/Berlin',
        localStart: `${day.year}-01-14T10:00:00`,
        location: 'Landratsamt, Saal 1',
        attendee: `MAILTO:${participant.email}`,
        partstat: 'NEEDS-ACTION',
        rsvp: 'FALSE',
        organizer: 'mailto:no-reply@kokoma.example',
      });
      expect(first!.start.toISOString()).toBe(day.at(9).toISOString());
      expect(first!.end.toISOString()).toBe(day.at(15).toISOString());
    });

    it('gives a waitlisted person no invitation until a seat is theirs, and the one who leaves a CANCEL', async () => {
      const offering = await winterOffering({ capacity: 1 });
      const holder = await person();
      const waiting = await person();
      const holderEnrollment = await seat(offering.id, holder, 'confirmed');
      const waitingAgent = await loginAs(ctx.app, waiting);
      await submitForm(waitingAgent, `/offerings/${offering.id}`, `/offerings/${offering.id}/enroll`, {});
      await ctx.deliverMail();
      expect(onlyMailTo(waiting).subject).toBe('Warteliste: Workshop Winter');
      expect(onlyMailTo(waiting).calendar).toBeUndefined();

      ctx.mailbox.length = 0;
      const holderAgent = await loginAs(ctx.app, holder);
      expect((await submitForm(holderAgent, '/', `/enrollments/${holderEnrollment}/cancel`, { confirm: 'yes' })).status).toBe(303);
      await ctx.deliverMail();

      const promoted = onlyMailTo(waiting);
      expect(promoted.subject).toBe('Sie haben einen Platz: Workshop Winter');
      expect(invitationIn(promoted)).toMatchObject({ method: 'REQUEST', events: [{ uid: `session-${offering.sessionIds[0]}@campus.test` }, { uid: `session-${offering.sessionIds[1]}@campus.test` }] });
      const cancelled = onlyMailTo(holder);
      expect(cancelled.text).toContain('damit die Termine aus Ihrem Kalender');
      const removal = invitationIn(cancelled);
      expect(removal.method).toBe('CANCEL');
      expect(removal.events.map((event) => [event.uid, event.status, event.attendee])).toEqual(
        offering.sessionIds.map((id) => [`session-${id}@campus.test`, 'CANCELLED', `MAILTO:${holder.email}`]),
      );
    });

    it('sends a person a coordinator enrolls the invitation too', async () => {
      const offering = await winterOffering();
      const participant = await person();
      const agent = await coordinatorAgent();
      const page = `/manage/offerings/${offering.id}/enrollments`;
      expect((await submitForm(agent, page, page, { email: participant.email })).status).toBe(303);
      await ctx.deliverMail();
      expect(invitationIn(onlyMailTo(participant)).events).toHaveLength(2);
    });
    it('invites a person whose pending enrollment is approved, not before', async () => {
      const offering = await winterOffering();
      await ctx.db('offerings').where('id', offering.id).update({ requires_approval: true });
      const participant = await person();
      await submitForm(await loginAs(ctx.app, participant), `/offerings/${offering.id}`, `/offerings/${offering.id}/enroll`, {});
      await ctx.deliverMail();
      expect(onlyMailTo(participant).calendar).toBeUndefined();

      ctx.mailbox.length = 0;
      const enrollment = (await ctx.db('enrollments').first('id').where({ user_id: participant.id })) as { id: number };
      const page = `/manage/offerings/${offering.id}/enrollments`;
      expect((await submitForm(await coordinatorAgent(), page, `/manage/enrollments/${enrollment.id}/approve`, { offeringId: String(offering.id) })).status).toBe(303);
      await ctx.deliverMail();
      expect(onlyMailTo(participant)).toMatchObject({ subject: 'Anmeldung zugelassen: Workshop Winter', kind: 'enrollment.approved' });
      expect(invitationIn(onlyMailTo(participant)).method).toBe('REQUEST');
    });
  });

  describe('a coordinator changes a session', () => {
    it('sends everyone with a seat an update: same UID, higher SEQUENCE, old and new time in their language', async () => {
      const offering = await winterOffering();
      const [anna, ben] = [await person({ firstName: 'Anna' }), await person({ firstName: 'Ben', locale: 'en' })];
      const waiting = await person();
      await seat(offering.id, anna, 'confirmed');
      await seat(offering.id, ben, 'confirmed');
      await seat(offering.id, waiting, 'waitlisted');
      const [sessionId] = offering.sessionIds;

      await editSession(await coordinatorAgent(), offering.id, sessionId!, { startsAt: `${day.year}-01-21T09:00`, endsAt: `${day.year}-01-21T15:30` });

      expect(await sequenceOf(sessionId!)).toBe(1);
      expect(mailsTo(waiting)).toEqual([]);
      const annaMail = onlyMailTo(anna);
      expect(annaMail).toMatchObject({ subject: 'Terminänderung: Workshop Winter', userId: anna.id, kind: 'enrollment.sessionChanged' });
      expect(textOf(annaMail.html)).toContain(`Zeit bisher 14.01.${day.year}, 10:00–16:00 Uhr, neu 21.01.${day.year}, 09:00–15:30 Uhr.`);
      expect(annaMail.text).toContain('Die aktualisierte Kalendereinladung ist angehängt');
      const update = invitationIn(annaMail);
      expect(update.method).toBe('REQUEST');
      expect(update.events).toHaveLength(1);
      expect(update.events[0]).toMatchObject({ uid: `session-${sessionId}@campus.test`, sequence: 1, localStart: `${day.year}-01-21T09:00:00`, attendee: `MAILTO:${anna.email}` });
      expect(update.events[0]!.start.toISOString()).toBe(day.at(8, 7).toISOString());

      const benMail = onlyMailTo(ben);
      expect(benMail.subject).toBe('Date changed: Workshop Winter');
      expect(benMail.text).toContain(`Time was 14 Jan ${day.year}, 10:00–16:00, now 21 Jan ${day.year}, 09:00–15:30.`);
      expect(invitationIn(benMail).events[0]).toMatchObject({ uid: `session-${sessionId}@campus.test`, sequence: 1 });
    });

    it('announces a new place and online link, and raises the SEQUENCE again', async () => {
      const offering = await winterOffering();
      const anna = await person();
      await seat(offering.id, anna, 'confirmed');
      const [sessionId] = offering.sessionIds;
      const agent = await coordinatorAgent();
      await editSession(agent, offering.id, sessionId!, { location: 'Rathaus Ahornfeld, Raum 2' });
      ctx.mailbox.length = 0;
      await editSession(agent, offering.id, sessionId!, { location: 'Rathaus Ahornfeld, Raum 2', onlineUrl: 'https://konferenz.example/kokoma' });

      const mail = onlyMailTo(anna);
      expect(mail.text).toContain('Online-Link bisher keiner, neu https://konferenz.example/kokoma.');
      expect(mail.text).not.toContain('Zeit bisher');
      expect(invitationIn(mail).events[0]).toMatchObject({ sequence: 2, location: 'Rathaus Ahornfeld, Raum 2' });
      expect(await sequenceOf(sessionId!)).toBe(2);
    });

    it('names the old and new place', async () => {
      const offering = await winterOffering();
      const anna = await person();
      await seat(offering.id, anna, 'confirmed');
      await editSession(await coordinatorAgent(), offering.id, offering.sessionIds[0]!, { location: 'Rathaus Ahornfeld, Raum 2' });
      const mail = onlyMailTo(anna);
      expect(mail.text).toContain('Ort bisher Landratsamt, Saal 1, neu Rathaus Ahornfeld, Raum 2.');
      expect(invitationIn(mail).events[0]).toMatchObject({ sequence: 1, location: 'Rathaus Ahornfeld, Raum 2' });
    });

    it('sends nothing and keeps the SEQUENCE when only trainers or teaching units change', async () => {
      const offering = await winterOffering();
      const anna = await person();
      const trainer = await person({ role: 'trainer' });
      await seat(offering.id, anna, 'confirmed');
      await editSession(await coordinatorAgent(), offering.id, offering.sessionIds[0]!, { trainerIds: String(trainer.id), teachingUnits: '4' });
      expect(ctx.mailbox).toEqual([]);
      expect(await sequenceOf(offering.sessionIds[0]!)).toBe(0);
    });

    it('sends a CANCEL with a higher SEQUENCE for a deleted session to everyone with a seat', async () => {
      const offering = await winterOffering();
      const anna = await person();
      const waiting = await person();
      await seat(offering.id, anna, 'confirmed');
      await seat(offering.id, waiting, 'waitlisted');
      const [, secondId] = offering.sessionIds;
      const agent = await coordinatorAgent();
      // The offering page only links to a confirmation that says who will be told; nothing is deleted by looking.
      const confirmPage = `/manage/offerings/${offering.id}/sessions/${secondId}/delete`;
      expect((await agent.get(`/manage/offerings/${offering.id}`)).text).toContain(`href="${confirmPage}"`);
      const confirmation = textOf((await agent.get(confirmPage)).text);
      expect(confirmation).toContain(`Möchten Sie den Termin am 28.01.${day.year}, 10:00–16:00 Uhr (Landratsamt, Saal 1) löschen?`);
      expect(confirmation).toContain('1 Person hat einen Platz. Sie erhält eine E-Mail, dass der Termin entfällt');
      expect(await ctx.db('offering_sessions').where('id', secondId)).toHaveLength(1);
      expect((await submitForm(agent, confirmPage, confirmPage, {})).status).toBe(303);
      await ctx.deliverMail();
      expect(await ctx.db('offering_sessions').where('id', secondId)).toHaveLength(0);

      expect(mailsTo(waiting)).toEqual([]);
      const mail = onlyMailTo(anna);
      expect(mail).toMatchObject({ subject: 'Termin abgesagt: Workshop Winter', kind: 'enrollment.sessionCancelled' });
      expect(mail.text).toContain(`am 28.01.${day.year}, 10:00–16:00 Uhr von „Workshop Winter“ entfällt`);
      expect(invitationIn(mail)).toMatchObject({ method: 'CANCEL', events: [{ uid: `session-${secondId}@campus.test`, sequence: 1, status: 'CANCELLED' }] });
    });

    it('announces a new place of the offering to people whose sessions have none of their own', async () => {
      const offering = await winterOffering();
      const anna = await person();
      await seat(offering.id, anna, 'confirmed');
      const [inheriting, ownPlace] = offering.sessionIds;
      await ctx.db('offering_sessions').where('id', inheriting).update({ location: '' });
      const row = (await ctx.db('offerings').where('id', offering.id).first()) as { capacity: number; registration_opens_at: Date; registration_closes_at: Date };
      const agent = await coordinatorAgent();
      const response = await submitForm(agent, `/manage/offerings/${offering.id}/edit`, `/manage/offerings/${offering.id}`, {
        title: 'Workshop Winter',
        description: '',
        capacity: String(row.capacity),
        registrationOpensAt: toBerlinInputValue(row.registration_opens_at),
        registrationClosesAt: toBerlinInputValue(row.registration_closes_at),
        cancellationDeadline: '',
        location: 'Kreishaus, Sitzungssaal',
        requiresApproval: 'no',
      });
      expect(response.status).toBe(303);
      await ctx.deliverMail();

      const mail = onlyMailTo(anna);
      expect(mail.text).toContain('Ort bisher Landratsamt, Saal 1, neu Kreishaus, Sitzungssaal.');
      expect(invitationIn(mail).events).toEqual([expect.objectContaining({ uid: `session-${inheriting}@campus.test`, sequence: 1, location: 'Kreishaus, Sitzungssaal' })]);
      expect([await sequenceOf(inheriting!), await sequenceOf(ownPlace!)]).toEqual([1, 0]);
    });

    it('queues the updates of 300 people with the change, in the same request', async () => {
      const offering = await winterOffering({ capacity: 300 });
      const users = await ctx
        .db('users')
        .insert(
          Array.from({ length: 300 }, (_, index) => ({ email: `teilnahme${index}@gemeinde.example`, first_name: 'Erika', last_name: `Viele${index}`, role: 'participant', organisation_id: organisationId, password_hash: 'x', active: true, locale: 'de' })),
        )
        .returning('id');
      await ctx.db('enrollments').insert(users.map((row: { id: number }) => ({ offering_id: offering.id, user_id: row.id, status: 'confirmed', confirmed_at: new Date() })));
      const agent = await coordinatorAgent();
      const editPage = `/manage/offerings/${offering.id}/sessions/${offering.sessionIds[0]}/edit`;
      const response = await submitForm(agent, editPage, `/manage/offerings/${offering.id}/sessions/${offering.sessionIds[0]}`, {
        startsAt: `${day.year}-01-15T10:00`,
        endsAt: `${day.year}-01-15T16:00`,
        location: 'Landratsamt, Saal 1',
      });
      expect(response.status).toBe(303);
      const queued = await ctx.db('outgoing_mails').where('kind', 'enrollment.sessionChanged').select('recipient', 'calendar_method');
      expect(queued).toHaveLength(300);
      expect(new Set(queued.map((row: { recipient: string }) => row.recipient)).size).toBe(300);
      expect(queued.every((row: { calendar_method: string }) => row.calendar_method === 'REQUEST')).toBe(true);
    });
  });

  describe('cancellations remove the entries', () => {
    it('sends everyone with a seat a CANCEL for all sessions when the offering is cancelled; the feed shows them cancelled', async () => {
      const offering = await winterOffering();
      const anna = await person();
      const waiting = await person();
      await seat(offering.id, anna, 'confirmed');
      await seat(offering.id, waiting, 'waitlisted');
      const annaAgent = await loginAs(ctx.app, anna);
      await submitForm(annaAgent, '/my/dates', '/my/calendar-feed', {});
      const feedPath = /<input[^>]*id="feed-url"[^>]*value="http:\/\/campus\.test([^"]+)"/.exec((await annaAgent.get('/my/dates')).text)?.[1];
      if (!feedPath) throw new Error('no feed address shown');
      const before = parseCalendar((await newAgent(ctx.app).get(feedPath)).text);
      expect(before.events.map((event) => [event.uid, event.sequence, event.status])).toEqual(offering.sessionIds.map((id) => [`session-${id}@campus.test`, 0, null]));

      const agent = await coordinatorAgent();
      expect((await submitForm(agent, `/manage/offerings/${offering.id}/cancel`, `/manage/offerings/${offering.id}/cancel`, {})).status).toBe(303);
      await ctx.deliverMail();

      const mail = onlyMailTo(anna);
      expect(mail).toMatchObject({ subject: 'Abgesagt: Workshop Winter', kind: 'enrollment.offeringCancelled' });
      const removal = invitationIn(mail);
      expect(removal.method).toBe('CANCEL');
      expect(removal.events.map((event) => [event.uid, event.sequence, event.status])).toEqual(offering.sessionIds.map((id) => [`session-${id}@campus.test`, 1, 'CANCELLED']));
      // The waiting person is told, but had nothing in the calendar to remove.
      expect(onlyMailTo(waiting).calendar).toBeUndefined();

      const after = parseCalendar((await newAgent(ctx.app).get(feedPath)).text);
      expect(after.events.map((event) => [event.uid, event.sequence, event.status])).toEqual(offering.sessionIds.map((id) => [`session-${id}@campus.test`, 1, 'CANCELLED']));
    });

    it('sends a CANCEL only to the person whose enrollment a coordinator cancels', async () => {
      const offering = await winterOffering();
      const [anna, ben] = [await person(), await person()];
      const annaEnrollment = await seat(offering.id, anna, 'confirmed');
      await seat(offering.id, ben, 'confirmed');
      const agent = await coordinatorAgent();
      const page = `/manage/offerings/${offering.id}/enrollments`;
      expect((await submitForm(agent, page, `/manage/enrollments/${annaEnrollment}/cancel`, { offeringId: String(offering.id) })).status).toBe(303);
      await ctx.deliverMail();
      expect(mailsTo(ben)).toEqual([]);
      expect(invitationIn(onlyMailTo(anna))).toMatchObject({ method: 'CANCEL', events: [{ status: 'CANCELLED', sequence: 0 }, { status: 'CANCELLED', sequence: 0 }] });
    });

    it('moves a person with a CANCEL for the old offering and a REQUEST for the new one', async () => {
      const programme = await createProgramme(ctx.db);
      const source = await winterOffering({ programmeId: programme.id, title: 'Workshop Winter' });
      const target = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop Frühjahr', startsInDays: 90 });
      const anna = await person();
      const enrollmentId = await seat(source.id, anna, 'confirmed');
      const agent = await coordinatorAgent();
      const movePage = `/manage/offerings/${source.id}/enrollments/${enrollmentId}/move`;
      expect((await submitForm(agent, movePage, movePage, { targetOfferingId: String(target.id) })).status).toBe(303);
      await ctx.deliverMail();

      const mails = mailsTo(anna);
      expect(mails.map((mail) => [mail.subject, mail.calendar?.method])).toEqual([
        ['Umbuchung: Workshop Winter', 'CANCEL'],
        ['Anmeldung bestätigt: Workshop Frühjahr', 'REQUEST'],
      ]);
      expect(mails[0]!.text).toContain('von „Workshop Winter“ nach „Workshop Frühjahr“ umgebucht');
      expect(invitationIn(mails[0]).events.map((event) => event.uid)).toEqual(source.sessionIds.map((id) => `session-${id}@campus.test`));
      expect(invitationIn(mails[1]).events.map((event) => event.uid)).toEqual(target.sessionIds.map((id) => `session-${id}@campus.test`));
    });
  });

  it('shows the raised SEQUENCE in the personal feed after a change, as in the mail', async () => {
    const offering = await winterOffering();
    const anna = await person();
    await seat(offering.id, anna, 'confirmed');
    await editSession(await coordinatorAgent(), offering.id, offering.sessionIds[0]!, { startsAt: `${day.year}-01-14T11:00`, endsAt: `${day.year}-01-14T17:00` });
    const annaAgent = await loginAs(ctx.app, anna);
    await submitForm(annaAgent, '/my/dates', '/my/calendar-feed', {});
    const feedPath = /<input[^>]*id="feed-url"[^>]*value="http:\/\/campus\.test([^"]+)"/.exec((await annaAgent.get('/my/dates')).text)?.[1];
    const feed = parseCalendar((await newAgent(ctx.app).get(feedPath!)).text);
    const mailed = invitationIn(onlyMailTo(anna)).events[0]!;
    expect(feed.events[0]).toMatchObject({ uid: mailed.uid, sequence: mailed.sequence, localStart: mailed.localStart, status: null });
    expect(feed.events[0]!.start.toISOString()).toBe(day.at(10).toISOString());
  });
});
