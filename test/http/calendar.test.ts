import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { countQueries } from '../support/database';
import { createUser, type TestUser } from '../support/factories';
import { loginAs, newAgent, submitForm, textOf, type Agent } from '../support/http';

/** iCalendar content lines with RFC 5545 line folding undone. */
function icsLines(body: string): string[] {
  return body.replace(/\r\n[ \t]/g, '').split('\r\n').filter((line) => line.length > 0);
}

/** The events of an iCalendar file as maps of property line (name with parameters) → value. */
function icsEvents(body: string): Record<string, string>[] {
  const events: Record<string, string>[] = [];
  let current: Record<string, string> | null = null;
  for (const line of icsLines(body)) {
    if (line === 'BEGIN:VEVENT') current = {};
    else if (line === 'END:VEVENT' && current) {
      events.push(current);
      current = null;
    } else if (current) {
      const colon = line.indexOf(':');
      current[line.slice(0, colon)] = line.slice(colon + 1);
    }
  }
  return events;
}

/** The rows of the "Nächste Termine" table: date, time, what (the offering link, plus the trainer badge) and place. */
function upcomingRows(html: string): string[][] {
  const section = /<section aria-labelledby="upcoming-heading"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
  const body = /<tbody class="kern-table__body">([\s\S]*?)<\/tbody>/.exec(section)?.[1] ?? '';
  return [...body.matchAll(/<tr class="kern-table__row">([\s\S]*?)<\/tr>/g)].map((row) => {
    const cells = [...(row[1] ?? '').matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) => cell[1] ?? '');
    const what = cells[2] ?? '';
    const link = /<a class="kern-link" href="\/offerings\/\d+">([\s\S]*?)<\/a>/.exec(what)?.[1] ?? '';
    const badge = /<span class="kern-badge[^"]*">([\s\S]*?)<\/span>/.exec(what)?.[1];
    return [textOf(cells[0] ?? ''), textOf(cells[1] ?? ''), textOf(link) + (badge ? ` (${textOf(badge)})` : ''), textOf(cells[3] ?? '')];
  });
}

/** The entries of "Meine Anmeldungen" as text. */
function enrollmentItems(html: string): string[] {
  const section = /<section aria-labelledby="enrollments-heading"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
  return [...section.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((item) => textOf(item[1] ?? '').replace(/ :/g, ':'));
}

/** The secret feed address shown once on "Meine Termine". */
function feedPathIn(html: string): string | undefined {
  const value = /<input[^>]*id="feed-url"[^>]*value="([^"]+)"/.exec(html)?.[1];
  return value?.replace('http://campus.test', '');
}

describe('"Meine Termine" and calendar feeds', () => {
  const ctx = useTestApp();
  const nextYear = new Date().getUTCFullYear() + 1;
  // 25.11., 09:30–16:00 Uhr Berlin (winter time, UTC+1) and 10.06., 09:30–16:00 Uhr (summer time, UTC+2).
  const winterSession = { starts_at: new Date(Date.UTC(nextYear, 10, 25, 8, 30)), ends_at: new Date(Date.UTC(nextYear, 10, 25, 15, 0)) };
  const summerSession = { starts_at: new Date(Date.UTC(nextYear + 1, 5, 10, 7, 30)), ends_at: new Date(Date.UTC(nextYear + 1, 5, 10, 14, 0)) };

  async function enrollAs(user: TestUser, offeringId: number, status: 'confirmed' | 'waitlisted' | 'pending' | 'cancelled') {
    await ctx.db('enrollments').insert({ offering_id: offeringId, user_id: user.id, status, confirmed_at: status === 'confirmed' ? new Date() : null, cancelled_at: status === 'cancelled' ? new Date() : null });
  }

  /** A five-module series cohort with its first two modules on fixed dates. */
  async function seriesCohort(trainerIds: number[] = []) {
    const programme = await createProgramme(ctx.db, { kind: 'series' });
    const offering = await createOffering(ctx.db, { programmeId: programme.id, title: 'Durchgang 2027', sessions: 2, moduleIds: programme.modules.map((module) => module.id), trainerIds });
    await ctx.db('offering_sessions').where('id', offering.sessionIds[0]!).update(winterSession);
    await ctx.db('offering_sessions').where('id', offering.sessionIds[1]!).update({ ...summerSession, location: 'Rathaus Ahornfeld, Sitzungssaal' });
    return { programme, offering };
  }

  async function createFeed(agent: Agent) {
    const response = await submitForm(agent, '/my/dates', '/my/calendar-feed', {});
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/my/dates#calendar');
    const page = await agent.get('/my/dates');
    const path = feedPathIn(page.text);
    if (!path) throw new Error('no feed address shown');
    return { path, page };
  }

  describe('Meine Termine', () => {
    it("shows a participant's upcoming confirmed sessions and all their enrollments with waitlist places", async () => {
      const person = await createUser(ctx.db);
      const { offering: cohort } = await seriesCohort();
      const waitlistedOffering = await createOffering(ctx.db, { title: 'Workshop Frühjahr', capacity: 1 });
      const pendingOffering = await createOffering(ctx.db, { title: 'Fachtag Eisenach', requiresApproval: true });
      const leftOffering = await createOffering(ctx.db, { title: 'Workshop Herbst' });
      const pastOffering = await createOffering(ctx.db, { title: 'Workshop Vorjahr', startsInDays: -30, registrationOpensInDays: -60, registrationClosesInDays: -31 });
      const calledOff = await createOffering(ctx.db, { title: 'Workshop Abgesagt', status: 'cancelled' });
      await enrollAs(person, cohort.id, 'confirmed');
      await enrollAs(await createUser(ctx.db), waitlistedOffering.id, 'confirmed');
      await enrollAs(await createUser(ctx.db), waitlistedOffering.id, 'waitlisted');
      await enrollAs(person, waitlistedOffering.id, 'waitlisted');
      await enrollAs(person, pendingOffering.id, 'pending');
      await enrollAs(person, leftOffering.id, 'cancelled');
      await enrollAs(person, pastOffering.id, 'confirmed');
      await enrollAs(person, calledOff.id, 'confirmed');
      // Someone else's seat does not show up here.
      await enrollAs(await createUser(ctx.db), leftOffering.id, 'confirmed');

      const agent = await loginAs(ctx.app, person);
      const response = await agent.get('/my/dates');
      expect(response.status).toBe(200);
      expect(upcomingRows(response.text)).toEqual([
        [`25.11.${nextYear}`, '09:30–16:00 Uhr', 'Durchgang 2027: Modul 1', 'Landratsamt, Saal 1'],
        [`10.06.${nextYear + 1}`, '09:30–16:00 Uhr', 'Durchgang 2027: Modul 2', 'Rathaus Ahornfeld, Sitzungssaal'],
      ]);
      expect(response.text).toContain(`href="/offerings/${cohort.id}"`);
      const items = enrollmentItems(response.text);
      expect(items).toHaveLength(6);
      expect(items).toEqual(
        expect.arrayContaining([
          // Confirmed seats link to the course materials; a cancelled offering has none to offer.
          'Kommunales Konfliktmanagement – Theorie und Praxis – Durchgang 2027: bestätigt · Kursunterlagen: Durchgang 2027',
          'Umgang mit extremistischen Gruppierungen – Workshop Frühjahr: Warteliste (Platz 2)',
          'Umgang mit extremistischen Gruppierungen – Fachtag Eisenach: wartet auf Bestätigung',
          'Umgang mit extremistischen Gruppierungen – Workshop Herbst: abgemeldet',
          'Umgang mit extremistischen Gruppierungen – Workshop Vorjahr: bestätigt · Kursunterlagen: Workshop Vorjahr',
          'Umgang mit extremistischen Gruppierungen – Workshop Abgesagt: bestätigt – Dieses Angebot wurde abgesagt.',
        ]),
      );
    });

    it('shows a trainer the sessions they teach, marked as such, and nobody else’s', async () => {
      const trainer = await createUser(ctx.db, { role: 'trainer', firstName: 'Jana', lastName: 'Zimmermann' });
      const { offering } = await seriesCohort();
      await ctx.db('session_trainers').insert({ session_id: offering.sessionIds[1]!, user_id: trainer.id });
      const colleague = await createUser(ctx.db, { role: 'trainer' });
      await createOffering(ctx.db, { title: 'Workshop Kollegin', trainerIds: [colleague.id] });

      const agent = await loginAs(ctx.app, trainer);
      const response = await agent.get('/my/dates');
      expect(upcomingRows(response.text)).toEqual([
        [`10.06.${nextYear + 1}`, '09:30–16:00 Uhr', 'Durchgang 2027: Modul 2 (als Referent:in)', 'Rathaus Ahornfeld, Sitzungssaal'],
      ]);
      expect(textOf(response.text)).toContain('Sie haben sich noch zu keinem Angebot angemeldet.');
    });

    it('marks a session once when the person both has a seat and teaches it', async () => {
      const trainer = await createUser(ctx.db, { role: 'trainer' });
      const { offering } = await seriesCohort();
      await ctx.db('session_trainers').insert({ session_id: offering.sessionIds[1]!, user_id: trainer.id });
      await enrollAs(trainer, offering.id, 'confirmed');

      const agent = await loginAs(ctx.app, trainer);
      expect(upcomingRows((await agent.get('/my/dates')).text)).toEqual([
        [`25.11.${nextYear}`, '09:30–16:00 Uhr', 'Durchgang 2027: Modul 1', 'Landratsamt, Saal 1'],
        [`10.06.${nextYear + 1}`, '09:30–16:00 Uhr', 'Durchgang 2027: Modul 2 (als Referent:in)', 'Rathaus Ahornfeld, Sitzungssaal'],
      ]);
    });

    it('costs as many queries for a long history as for one enrollment, at most six', async () => {
      const person = await createUser(ctx.db);
      const first = await createOffering(ctx.db, { title: 'Workshop Eins' });
      await enrollAs(person, first.id, 'confirmed');
      const agent = await loginAs(ctx.app, person);
      await agent.get('/my/dates');
      const withOne = await countQueries(ctx.db, () => agent.get('/my/dates'));

      for (let index = 0; index < 12; index += 1) {
        const offering = await createOffering(ctx.db, { title: `Workshop Nr. ${index}`, sessions: 3 });
        await enrollAs(person, offering.id, index % 3 === 0 ? 'cancelled' : 'confirmed');
      }
      await createFeed(agent);
      let page = '';
      const withMany = await countQueries(ctx.db, async () => {
        page = (await agent.get('/my/dates')).text;
      });
      expect(withMany).toBe(withOne);
      expect(withMany).toBeLessThanOrEqual(6);
      expect(upcomingRows(page)).toHaveLength(1 + 8 * 3);
      expect(enrollmentItems(page)).toHaveLength(13);
      expect(textOf(page)).toContain('Ihr Kalender-Abo ist eingerichtet.');
    });

    it('says when there is nothing ahead and asks anonymous visitors to log in', async () => {
      const agent = await loginAs(ctx.app, await createUser(ctx.db));
      const text = textOf((await agent.get('/my/dates')).text);
      expect(text).toContain('Sie haben keine anstehenden Termine.');
      expect(text).toContain('Kalender-Abo einrichten');

      const anonymous = await newAgent(ctx.app).get('/my/dates');
      expect(anonymous.status).toBe(302);
      expect(anonymous.headers.location).toBe('/login?next=%2Fmy%2Fdates');
    });
  });

  describe('personal calendar feed', () => {
    it('shows the secret address once and stores only its hash', async () => {
      const person = await createUser(ctx.db);
      const agent = await loginAs(ctx.app, person);
      const { path, page } = await createFeed(agent);
      expect(path).toMatch(/^\/calendar\/[A-Za-z0-9_-]{32,}\.ics$/);
      expect(textOf(page.text)).toContain('Ihre Kalenderadresse wurde erzeugt.');
      expect(textOf(page.text)).toContain('Aus Sicherheitsgründen zeigen wir sie nur einmal an.');

      const token = path.slice('/calendar/'.length, -'.ics'.length);
      const stored = await ctx.db('calendar_feeds').where('user_id', person.id);
      expect(stored).toHaveLength(1);
      expect(stored[0].token_hash).not.toContain(token);

      const again = await agent.get('/my/dates');
      expect(feedPathIn(again.text)).toBeUndefined();
      expect(again.text).not.toContain(token);
      expect(textOf(again.text)).toContain('Ihr Kalender-Abo ist eingerichtet.');
      expect(textOf(again.text)).toContain('Neue Adresse erzeugen (alte wird ungültig)');
    });

    it('serves the sessions as iCalendar in Berlin time, one event per session', async () => {
      const person = await createUser(ctx.db, { role: 'trainer' });
      const { offering: cohort } = await seriesCohort();
      await enrollAs(person, cohort.id, 'confirmed');
      await createOffering(ctx.db, { title: 'Workshop Winter', trainerIds: [person.id] });
      const recent = await createOffering(ctx.db, { title: 'Workshop letzte Woche', startsInDays: -7, registrationOpensInDays: -30, registrationClosesInDays: -8 });
      await enrollAs(person, recent.id, 'confirmed');
      const longAgo = await createOffering(ctx.db, { title: 'Workshop Sommer', startsInDays: -60, registrationOpensInDays: -90, registrationClosesInDays: -61 });
      await enrollAs(person, longAgo.id, 'confirmed');
      const waiting = await createOffering(ctx.db, { title: 'Workshop Warteliste', capacity: 1 });
      await enrollAs(await createUser(ctx.db), waiting.id, 'confirmed');
      await enrollAs(person, waiting.id, 'waitlisted');

      const agent = await loginAs(ctx.app, person);
      const { path } = await createFeed(agent);
      // Calendar programs fetch the feed without a session.
      const response = await newAgent(ctx.app).get(path);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/calendar; charset=utf-8');
      const lines = icsLines(response.text);
      expect(lines[0]).toBe('BEGIN:VCALENDAR');
      const timezone = lines.slice(lines.indexOf('BEGIN:VTIMEZONE'), lines.indexOf('END:VTIMEZONE') + 1);
      expect(timezone).toContain('TZID:Europe/Berlin');
      expect(timezone).toEqual(expect.arrayContaining(['BEGIN:STANDARD', 'BEGIN:DAYLIGHT', 'TZOFFSETTO:+0100', 'TZOFFSETTO:+0200']));

      const events = icsEvents(response.text);
      // Two modules, one taught workshop, last week's workshop; not the one from two months ago, not the waitlist.
      expect(events).toHaveLength(4);
      expect(new Set(events.map((event) => event.UID)).size).toBe(4);
      const first = events.find((event) => event.SUMMARY === 'Kommunales Konfliktmanagement – Theorie und Praxis: Modul 1');
      expect(first).toMatchObject({
        'DTSTART;TZID=Europe/Berlin': `${nextYear}1125T093000`,
        'DTEND;TZID=Europe/Berlin': `${nextYear}1125T160000`,
        LOCATION: 'Landratsamt\\, Saal 1',
        UID: `session-${cohort.sessionIds[0]}@campus.test`,
      });
      expect(first?.URL ?? first?.['URL;VALUE=URI']).toBe(`http://campus.test/offerings/${cohort.id}`);
      const second = events.find((event) => event.SUMMARY === 'Kommunales Konfliktmanagement – Theorie und Praxis: Modul 2');
      expect(second).toMatchObject({ 'DTSTART;TZID=Europe/Berlin': `${nextYear + 1}0610T093000`, 'DTEND;TZID=Europe/Berlin': `${nextYear + 1}0610T160000` });
      expect(events.map((event) => event.SUMMARY)).toEqual(expect.arrayContaining(['Workshop Winter', 'Workshop letzte Woche']));
      expect(events.map((event) => event.SUMMARY)).not.toContain('Workshop Warteliste');
    });

    it('stops the old address when a new one is made, and every address when revoked', async () => {
      const person = await createUser(ctx.db);
      const agent = await loginAs(ctx.app, person);
      const calendarApp = newAgent(ctx.app);

      const { path: oldPath } = await createFeed(agent);
      expect((await calendarApp.get(oldPath)).status).toBe(200);

      const { path: newPath } = await createFeed(agent);
      expect(newPath).not.toBe(oldPath);
      expect((await calendarApp.get(oldPath)).status).toBe(404);
      expect((await calendarApp.get(newPath)).status).toBe(200);

      const revoked = await submitForm(agent, '/my/dates', '/my/calendar-feed/revoke', {});
      expect(revoked.status).toBe(303);
      const page = textOf((await agent.get('/my/dates')).text);
      expect(page).toContain('Ihr Kalender-Abo wurde gesperrt.');
      expect(page).toContain('Kalender-Abo einrichten');
      expect((await calendarApp.get(newPath)).status).toBe(404);
      expect((await calendarApp.get(oldPath)).status).toBe(404);
      expect(await ctx.db('calendar_feeds').where('user_id', person.id)).toHaveLength(0);
      expect((await ctx.db('audit_events').where('subject_id', String(person.id)).whereIn('action', ['calendar_feed.created', 'calendar_feed.revoked'])).map((row: { action: string }) => row.action).sort()).toEqual([
        'calendar_feed.created',
        'calendar_feed.created',
        'calendar_feed.revoked',
      ]);
    });

    it('writes valid iCalendar: CRLF lines of at most 75 octets, escaped text, a UTC time stamp', async () => {
      const person = await createUser(ctx.db);
      const programme = await createProgramme(ctx.db, { title: 'Gesprächsführung; Deeskalation, Grundlagen \\ Vertiefung für Ämter der Städte und Gemeinden im Landkreis' });
      const offering = await createOffering(ctx.db, { programmeId: programme.id, title: 'Durchgang Süd' });
      await ctx.db('offering_sessions').where('id', offering.sessionIds[0]!).update({ ...winterSession, online_url: 'https://konferenz.example/raum-1' });
      await enrollAs(person, offering.id, 'confirmed');
      const agent = await loginAs(ctx.app, person);
      const { path } = await createFeed(agent);

      const before = new Date();
      const response = await newAgent(ctx.app).get(path);
      expect(response.text.endsWith('END:VCALENDAR\r\n')).toBe(true);
      const physicalLines = response.text.split('\r\n').slice(0, -1);
      expect(physicalLines.every((line) => Buffer.byteLength(line) <= 75 && !line.includes('\n'))).toBe(true);
      // The long description with umlauts is folded, and unfolds to the escaped text.
      expect(physicalLines.some((line) => line.startsWith(' '))).toBe(true);
      const [event] = icsEvents(response.text);
      expect(event).toMatchObject({
        SUMMARY: 'Durchgang Süd',
        DESCRIPTION: 'Gesprächsführung\\; Deeskalation\\, Grundlagen \\\\ Vertiefung für Ämter der Städte und Gemeinden im Landkreis – Durchgang Süd\\nhttps://konferenz.example/raum-1',
        'DTSTART;TZID=Europe/Berlin': `${nextYear}1125T093000`,
      });
      const stamp = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(event!.DTSTAMP ?? '');
      expect(stamp).not.toBeNull();
      const stampedAt = Date.UTC(Number(stamp![1]), Number(stamp![2]) - 1, Number(stamp![3]), Number(stamp![4]), Number(stamp![5]), Number(stamp![6]));
      expect(stampedAt).toBeGreaterThanOrEqual(Math.floor(before.getTime() / 1000) * 1000);
      expect(stampedAt).toBeLessThanOrEqual(Date.now());
    });

    it('serves an empty but valid calendar to a person without dates', async () => {
      const agent = await loginAs(ctx.app, await createUser(ctx.db));
      const { path } = await createFeed(agent);
      const response = await newAgent(ctx.app).get(path);
      expect(response.status).toBe(200);
      const lines = icsLines(response.text);
      expect(lines[0]).toBe('BEGIN:VCALENDAR');
      expect(lines).toContain('TZID:Europe/Berlin');
      expect(lines.at(-1)).toBe('END:VCALENDAR');
      expect(icsEvents(response.text)).toEqual([]);
    });

    it('reads the feed in one query, whatever the number of sessions', async () => {
      const person = await createUser(ctx.db);
      const agent = await loginAs(ctx.app, person);
      await enrollAs(person, (await createOffering(ctx.db)).id, 'confirmed');
      const { path } = await createFeed(agent);
      const calendarApp = newAgent(ctx.app);
      const few = await countQueries(ctx.db, () => calendarApp.get(path));
      for (let index = 0; index < 10; index += 1) await enrollAs(person, (await createOffering(ctx.db, { sessions: 4 })).id, 'confirmed');
      let body = '';
      const many = await countQueries(ctx.db, async () => {
        body = (await calendarApp.get(path)).text;
      });
      expect(icsEvents(body)).toHaveLength(41);
      expect(many).toBe(few);
      expect(many).toBe(1);
    });

    it('answers 404 for unknown addresses and for deactivated accounts', async () => {
      const person = await createUser(ctx.db);
      const agent = await loginAs(ctx.app, person);
      const { path } = await createFeed(agent);
      const calendarApp = newAgent(ctx.app);
      expect((await calendarApp.get('/calendar/not-a-real-token.ics')).status).toBe(404);
      expect((await calendarApp.get(path)).status).toBe(200);
      await ctx.db('users').where('id', person.id).update({ active: false });
      expect((await calendarApp.get(path)).status).toBe(404);
    });

    it('cannot be created or revoked without logging in', async () => {
      const anonymous = newAgent(ctx.app);
      const loginPage = await anonymous.get('/login');
      const token = /name="_csrf" value="([^"]+)"/.exec(loginPage.text)?.[1] ?? '';
      expect((await anonymous.post('/my/calendar-feed').type('form').send({ _csrf: token })).status).toBe(403);
      expect(await ctx.db('calendar_feeds')).toHaveLength(0);
    });
  });

  describe('calendar file of one offering', () => {
    it('downloads all sessions of a published offering', async () => {
      const { offering } = await seriesCohort();
      const response = await newAgent(ctx.app).get(`/offerings/${offering.id}/calendar.ics`);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/calendar; charset=utf-8');
      expect(response.headers['content-disposition']).toBe(`attachment; filename="termine-${offering.id}.ics"`);
      expect(icsLines(response.text)).toContain('TZID:Europe/Berlin');
      const events = icsEvents(response.text);
      expect(events.map((event) => event['DTSTART;TZID=Europe/Berlin'])).toEqual([`${nextYear}1125T093000`, `${nextYear + 1}0610T093000`]);
      expect(events.map((event) => event.LOCATION)).toEqual(['Landratsamt\\, Saal 1', 'Rathaus Ahornfeld\\, Sitzungssaal']);
    });

    it('is 404 for drafts unless a coordinator asks, and for unknown offerings', async () => {
      const draft = await createOffering(ctx.db, { status: 'draft', sessions: 3 });
      expect((await newAgent(ctx.app).get(`/offerings/${draft.id}/calendar.ics`)).status).toBe(404);
      const participant = await loginAs(ctx.app, await createUser(ctx.db));
      expect((await participant.get(`/offerings/${draft.id}/calendar.ics`)).status).toBe(404);
      const coordinator = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
      const forCoordinator = await coordinator.get(`/offerings/${draft.id}/calendar.ics`);
      expect(forCoordinator.status).toBe(200);
      expect(icsEvents(forCoordinator.text)).toHaveLength(3);
      expect((await newAgent(ctx.app).get('/offerings/999999/calendar.ics')).status).toBe(404);
    });
  });
});
