import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { csrfTokenIn, loginAs, newAgent, textOf } from '../support/http';
import { inputValue, selectOptions } from '../support/html';

const HOUR_MS = 60 * 60 * 1000;
const GERMAN_MONTHS = ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'];

/** Offerings shown as cards in the catalog, in the order shown. */
function offeringIdsIn(html: string): number[] {
  return [...html.matchAll(/<h2 class="kern-title"><a class="kern-link" href="\/offerings\/(\d+)">/g)].map((match) => Number(match[1]));
}

/** The sessions table on an offering page: one array of cell texts per row. */
function sessionRows(html: string): string[][] {
  const body = /<tbody class="kern-table__body">([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr class="kern-table__row">([\s\S]*?)<\/tr>/g)].map((row) => [...(row[1] ?? '').matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((cell) => textOf(cell[1] ?? '')));
}

/** The card of one offering in the catalog list, as text. */
function cardText(html: string, offeringId: number): string {
  const card = new RegExp(`<li class="kern-card app-card">(?:(?!</li>)[\\s\\S])*?href="/offerings/${offeringId}"[\\s\\S]*?</li>`).exec(html)?.[0];
  if (!card) throw new Error(`no card for offering ${offeringId}`);
  return textOf(card);
}

describe('public catalog', () => {
  const ctx = useTestApp();
  const nextYear = new Date().getUTCFullYear() + 1;

  async function setSessionTimes(sessionId: number, startsAt: Date, endsAt: Date) {
    await ctx.db('offering_sessions').where('id', sessionId).update({ starts_at: startsAt, ends_at: endsAt });
  }

  async function confirmPeople(offeringId: number, count: number, status: 'confirmed' | 'waitlisted' = 'confirmed') {
    for (let index = 0; index < count; index += 1) {
      const person = await createUser(ctx.db);
      await ctx.db('enrollments').insert({ offering_id: offeringId, user_id: person.id, status, confirmed_at: status === 'confirmed' ? new Date() : null });
    }
  }

  it('shows anonymous visitors the published upcoming offerings, soonest first, without drafts, cancelled or past ones', async () => {
    const later = await createOffering(ctx.db, { title: 'Workshop Herbst', startsInDays: 60 });
    const sooner = await createOffering(ctx.db, { title: 'Workshop Winter', startsInDays: 10 });
    const draft = await createOffering(ctx.db, { title: 'Workshop Entwurf', status: 'draft' });
    const cancelled = await createOffering(ctx.db, { title: 'Workshop Abgesagt', status: 'cancelled' });
    const past = await createOffering(ctx.db, { title: 'Workshop Vorbei', startsInDays: -20, registrationOpensInDays: -60 });
    // A series that began two weeks ago and still has dates ahead is still on offer (but closed for registration).
    const running = await createOffering(ctx.db, { title: 'Durchgang laufend', startsInDays: -3, sessions: 2, registrationOpensInDays: -60, registrationClosesInDays: 5 });

    const response = await newAgent(ctx.app).get('/offerings');
    expect(response.status).toBe(200);
    expect(offeringIdsIn(response.text)).toEqual([running.id, sooner.id, later.id]);
    const text = textOf(response.text);
    expect(text).toContain('3 Angebote');
    for (const hidden of [draft, cancelled, past]) expect(response.text).not.toContain(`href="/offerings/${hidden.id}"`);
    expect(cardText(response.text, sooner.id)).toContain('noch 10 Plätze frei');
    expect(cardText(response.text, sooner.id)).toMatch(/Anmeldung: möglich bis \d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr/);
    // It has begun: enrolling is refused, so the card must not invite people to register.
    expect(cardText(response.text, running.id)).toContain('Die Anmeldung ist geschlossen.');
  });

  it('says so when nothing matches', async () => {
    await createOffering(ctx.db, { status: 'draft' });
    const response = await newAgent(ctx.app).get('/offerings');
    expect(offeringIdsIn(response.text)).toEqual([]);
    expect(textOf(response.text)).toContain('Zurzeit gibt es keine passenden Angebote.');
  });

  it('filters by kind of programme and keeps the choice in the form', async () => {
    const series = await createProgramme(ctx.db, { kind: 'series' });
    const workshop = await createProgramme(ctx.db, { kind: 'workshop' });
    const event = await createProgramme(ctx.db, { kind: 'event', title: 'Fachtag Neutralität' });
    const seriesOffering = await createOffering(ctx.db, { programmeId: series.id, title: 'Durchgang 2027', sessions: 5, moduleIds: series.modules.map((module) => module.id) });
    const workshopOffering = await createOffering(ctx.db, { programmeId: workshop.id, startsInDays: 40 });
    const eventOffering = await createOffering(ctx.db, { programmeId: event.id, title: 'Fachtag Eisenach', startsInDays: 50, capacity: 120 });

    const agent = newAgent(ctx.app);
    const all = await agent.get('/offerings');
    expect(offeringIdsIn(all.text)).toEqual([seriesOffering.id, workshopOffering.id, eventOffering.id]);
    expect(cardText(all.text, seriesOffering.id)).toContain('Qualifizierungsreihe');
    expect(cardText(all.text, seriesOffering.id)).toContain('(5 Termine)');
    expect(cardText(all.text, eventOffering.id)).toContain('Fachtag');

    const onlySeries = await agent.get('/offerings').query({ kind: 'series' });
    expect(offeringIdsIn(onlySeries.text)).toEqual([seriesOffering.id]);
    expect(textOf(onlySeries.text)).toContain('1 Angebot');
    expect(selectOptions(onlySeries.text, 'kind').find((option) => option.selected)).toEqual({ value: 'series', label: 'Qualifizierungsreihe', selected: true });

    expect(offeringIdsIn((await agent.get('/offerings').query({ kind: 'workshop' })).text)).toEqual([workshopOffering.id]);
    expect(offeringIdsIn((await agent.get('/offerings').query({ kind: 'event' })).text)).toEqual([eventOffering.id]);
    // A made-up kind in a link is ignored rather than an error.
    const bogus = await agent.get('/offerings').query({ kind: 'party' });
    expect(bogus.status).toBe(200);
    expect(offeringIdsIn(bogus.text)).toHaveLength(3);
  });

  it('filters by calendar month as it is in Berlin, not in UTC', async () => {
    const novemberNoon = await createOffering(ctx.db, { title: 'Am 30. November' });
    const firstOfDecember = await createOffering(ctx.db, { title: 'Am 1. Dezember kurz nach Mitternacht' });
    // 30.11., 12:00 Uhr in Berlin (CET = UTC+1).
    await setSessionTimes(novemberNoon.sessionIds[0]!, new Date(Date.UTC(nextYear, 10, 30, 11, 0)), new Date(Date.UTC(nextYear, 10, 30, 15, 0)));
    // 01.12., 00:30 Uhr in Berlin is still 30 November in UTC.
    await setSessionTimes(firstOfDecember.sessionIds[0]!, new Date(Date.UTC(nextYear, 10, 30, 23, 30)), new Date(Date.UTC(nextYear, 11, 1, 3, 0)));

    const agent = newAgent(ctx.app);
    expect(offeringIdsIn((await agent.get('/offerings').query({ month: `${nextYear}-11` })).text)).toEqual([novemberNoon.id]);
    expect(offeringIdsIn((await agent.get('/offerings').query({ month: `${nextYear}-12` })).text)).toEqual([firstOfDecember.id]);
    expect(offeringIdsIn((await agent.get('/offerings').query({ month: `${nextYear}-10` })).text)).toEqual([]);
    // Malformed months are ignored.
    expect(offeringIdsIn((await agent.get('/offerings').query({ month: `${nextYear}-13` })).text)).toHaveLength(2);
  });

  it('offers the next twelve months in German and marks the chosen one', async () => {
    const inTwoMonths = new Date();
    inTwoMonths.setUTCDate(15);
    inTwoMonths.setUTCMonth(inTwoMonths.getUTCMonth() + 2);
    inTwoMonths.setUTCHours(10, 0, 0, 0);
    const offering = await createOffering(ctx.db);
    await setSessionTimes(offering.sessionIds[0]!, inTwoMonths, new Date(inTwoMonths.getTime() + 6 * HOUR_MS));
    const month = `${inTwoMonths.getUTCFullYear()}-${String(inTwoMonths.getUTCMonth() + 1).padStart(2, '0')}`;

    const response = await newAgent(ctx.app).get('/offerings').query({ month });
    expect(offeringIdsIn(response.text)).toEqual([offering.id]);
    const options = selectOptions(response.text, 'month');
    expect(options).toHaveLength(13);
    expect(options[0]).toMatchObject({ value: '', label: 'Alle Monate' });
    expect(options.find((option) => option.selected)).toEqual({ value: month, label: `${GERMAN_MONTHS[inTwoMonths.getUTCMonth()]} ${inTwoMonths.getUTCFullYear()}`, selected: true });
  });

  it('shows only offerings with free seats when asked, and marks full ones', async () => {
    const full = await createOffering(ctx.db, { title: 'Ausgebucht', capacity: 2, startsInDays: 10 });
    const oneLeft = await createOffering(ctx.db, { title: 'Fast voll', capacity: 3, startsInDays: 20 });
    await confirmPeople(full.id, 2);
    await confirmPeople(full.id, 1, 'waitlisted');
    await confirmPeople(oneLeft.id, 2);
    // Waiting and cancelled people hold no seat.
    await confirmPeople(oneLeft.id, 1, 'waitlisted');

    const agent = newAgent(ctx.app);
    const all = await agent.get('/offerings');
    expect(offeringIdsIn(all.text)).toEqual([full.id, oneLeft.id]);
    expect(cardText(all.text, full.id)).toContain('ausgebucht – Warteliste möglich');
    expect(cardText(all.text, oneLeft.id)).toContain('noch 1 Platz frei');

    const free = await agent.get('/offerings').query({ free: 'yes' });
    expect(offeringIdsIn(free.text)).toEqual([oneLeft.id]);
    expect(free.text).toMatch(/<input[^>]*name="free" value="yes"\s+checked/);
  });

  it('shows dates in German format, times in Berlin time, the place, trainers and seats left', async () => {
    const programme = await createProgramme(ctx.db, { kind: 'series' });
    const trainerA = await createUser(ctx.db, { role: 'trainer', firstName: 'Jana', lastName: 'Zimmermann' });
    const trainerB = await createUser(ctx.db, { role: 'trainer', firstName: 'Tom', lastName: 'Albers' });
    const offering = await createOffering(ctx.db, {
      programmeId: programme.id,
      title: 'Durchgang Winter',
      capacity: 12,
      sessions: 2,
      moduleIds: programme.modules.map((module) => module.id),
      trainerIds: [trainerA.id, trainerB.id],
    });
    await ctx.db('offerings').where('id', offering.id).update({ description: 'Für Beschäftigte der Kreisverwaltung und der Gemeinden.' });
    // 25.11. is winter time (UTC+1); 10.06. is summer time (UTC+2).
    await setSessionTimes(offering.sessionIds[0]!, new Date(Date.UTC(nextYear, 10, 25, 8, 30)), new Date(Date.UTC(nextYear, 10, 25, 15, 0)));
    await setSessionTimes(offering.sessionIds[1]!, new Date(Date.UTC(nextYear + 1, 5, 10, 7, 30)), new Date(Date.UTC(nextYear + 1, 5, 10, 14, 0)));
    await ctx.db('offering_sessions').where('id', offering.sessionIds[1]!).update({ location: 'Rathaus Ahornfeld, Sitzungssaal' });
    await confirmPeople(offering.id, 4);
    await confirmPeople(offering.id, 1, 'waitlisted');

    const response = await newAgent(ctx.app).get(`/offerings/${offering.id}`);
    expect(response.status).toBe(200);
    const text = textOf(response.text);
    expect(text).toContain('Durchgang Winter');
    expect(text).toContain('Qualifizierungsreihe · Kommunales Konfliktmanagement – Theorie und Praxis');
    expect(text).toContain('Für Beschäftigte der Kreisverwaltung und der Gemeinden.');
    expect(text).toContain('Ort Landratsamt, Saal 1');
    expect(text).toContain('8 von 12 Plätzen frei, 1 auf der Warteliste');
    // Without an explicit deadline, people can cancel until the first session begins.
    expect(text).toContain(`Abmeldung möglich bis 25.11.${nextYear}, 09:30 Uhr`);
    expect(sessionRows(response.text)).toEqual([
      [`25.11.${nextYear}`, '09:30–16:00 Uhr', '1. Modul 1', 'Landratsamt, Saal 1', 'Tom Albers, Jana Zimmermann'],
      [`10.06.${nextYear + 1}`, '09:30–16:00 Uhr', '2. Modul 2', 'Rathaus Ahornfeld, Sitzungssaal', 'Tom Albers, Jana Zimmermann'],
    ]);
    expect(response.text).toContain(`href="/offerings/${offering.id}/calendar.ics"`);
  });

  it('shows the waitlist once the offering is full', async () => {
    const offering = await createOffering(ctx.db, { capacity: 2 });
    await confirmPeople(offering.id, 2);
    await confirmPeople(offering.id, 3, 'waitlisted');
    const text = textOf((await newAgent(ctx.app).get(`/offerings/${offering.id}`)).text);
    expect(text).toContain('0 von 2 Plätzen frei, 3 auf der Warteliste');
  });

  it('sends anonymous visitors to the login and brings them back to the offering, ready to enroll', async () => {
    const offering = await createOffering(ctx.db, { title: 'Workshop Frühjahr' });
    const person = await createUser(ctx.db);
    const agent = newAgent(ctx.app);

    const page = await agent.get(`/offerings/${offering.id}`);
    expect(page.text).not.toContain(`action="/offerings/${offering.id}/enroll"`);
    expect(textOf(page.text)).toContain('Zum Anmelden melden Sie sich bitte mit Ihrem Konto an oder registrieren sich.');
    const loginLink = new RegExp(`<a class="kern-btn kern-btn--primary" href="([^"]+)">`).exec(page.text)?.[1];
    expect(loginLink).toBe(`/login?next=%2Fofferings%2F${offering.id}`);

    const loginPage = await agent.get(loginLink!);
    expect(loginPage.status).toBe(200);
    expect(inputValue(loginPage.text, 'next')).toBe(`/offerings/${offering.id}`);
    const login = await agent
      .post('/login')
      .type('form')
      .send({ email: person.email, password: person.password, next: inputValue(loginPage.text, 'next')!, _csrf: csrfTokenIn(loginPage.text) });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe(`/offerings/${offering.id}`);

    const back = await agent.get(login.headers.location as string);
    expect(back.status).toBe(200);
    expect(back.text).toContain(`action="/offerings/${offering.id}/enroll"`);
    expect(textOf(back.text)).toContain('Verbindlich anmelden');
  });

  it('tells people when registration opens and when it has closed', async () => {
    const notYet = await createOffering(ctx.db, { registrationOpensInDays: 5 });
    const opensAt = (await ctx.db('offerings').where('id', notYet.id).first()).registration_opens_at as Date;
    const closed = await createOffering(ctx.db, { registrationClosesInDays: -1 });
    const person = await createUser(ctx.db);
    const agent = await loginAs(ctx.app, person);

    const notYetPage = await agent.get(`/offerings/${notYet.id}`);
    const expectedDate = new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', day: '2-digit', month: '2-digit', year: 'numeric' }).format(opensAt);
    expect(textOf(notYetPage.text)).toMatch(new RegExp(`Die Anmeldung ist ab ${expectedDate.replace(/\./g, '\\.')}, \\d\\d:\\d\\d Uhr möglich\\.`));
    expect(notYetPage.text).not.toContain(`action="/offerings/${notYet.id}/enroll"`);

    const closedPage = await agent.get(`/offerings/${closed.id}`);
    expect(textOf(closedPage.text)).toContain('Die Anmeldung ist geschlossen.');
    expect(closedPage.text).not.toContain(`action="/offerings/${closed.id}/enroll"`);
  });

  it('shows a cancelled offering as cancelled, without an enroll button', async () => {
    const offering = await createOffering(ctx.db, { status: 'cancelled' });
    const agent = await loginAs(ctx.app, await createUser(ctx.db));
    const page = await agent.get(`/offerings/${offering.id}`);
    expect(page.status).toBe(200);
    expect(textOf(page.text)).toContain('Dieses Angebot wurde abgesagt.');
    expect(page.text).not.toContain(`action="/offerings/${offering.id}/enroll"`);
  });

  it('hides drafts from everyone but coordinators and admins', async () => {
    const draft = await createOffering(ctx.db, { title: 'Noch geheim', status: 'draft' });
    expect((await newAgent(ctx.app).get(`/offerings/${draft.id}`)).status).toBe(404);
    for (const role of ['participant', 'trainer'] as const) {
      const agent = await loginAs(ctx.app, await createUser(ctx.db, { role }));
      const response = await agent.get(`/offerings/${draft.id}`);
      expect(response.status).toBe(404);
      expect(response.text).not.toContain('Noch geheim');
    }
    for (const role of ['coordinator', 'admin'] as const) {
      const agent = await loginAs(ctx.app, await createUser(ctx.db, { role }));
      const response = await agent.get(`/offerings/${draft.id}`);
      expect(response.status).toBe(200);
      expect(textOf(response.text)).toContain('Entwurf: nur für die Koordination sichtbar.');
      expect(response.text).toContain(`href="/manage/offerings/${draft.id}/enrollments"`);
      // Even coordinators cannot enroll into a draft from the public page.
      expect(response.text).not.toContain(`action="/offerings/${draft.id}/enroll"`);
    }
  });

  it('answers 404 for offerings that do not exist or malformed ids', async () => {
    const agent = newAgent(ctx.app);
    for (const path of ['/offerings/999999', '/offerings/abc', '/offerings/1.5', '/offerings/0', '/offerings/-3']) {
      const response = await agent.get(path);
      expect(response.status).toBe(404);
    }
  });
});
