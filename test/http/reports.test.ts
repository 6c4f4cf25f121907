import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createUser } from '../support/factories';
import { errorSummaryText, fieldErrorText, inputValue } from '../support/html';
import { loginAs, textOf, type Agent } from '../support/http';
import { addOffering, addSession, createReportsFixture, type ReportsFixture } from './reports.fixture';

const YEAR_2025 = 'from=2025-01-01&to=2025-12-31';

/** The figures a page shows, read from the cells a person reads (data-* only locates them). */
function totalsOn(html: string): Record<string, number> {
  return Object.fromEntries([...html.matchAll(/data-total="(\w+)">(\d+)</g)].map((match) => [match[1]!, Number(match[2])]));
}

function offeringFigures(html: string, offeringId: number): Record<string, number> {
  const section = html.split(`data-offering="${offeringId}"`)[1]?.split('</section>')[0] ?? '';
  return Object.fromEntries([...section.matchAll(/data-figure="(\w+)">(\d+)</g)].map((match) => [match[1]!, Number(match[2])]));
}

describe('funder report page', () => {
  const ctx = useTestApp();
  let fixture: ReportsFixture;
  let agent: Agent;

  beforeEach(async () => {
    fixture = await createReportsFixture(ctx.db);
    agent = await loginAs(ctx.app, fixture.coordinator);
  });

  it('shows per offering and for the period the hand-computed figures', async () => {
    const response = await agent.get(`/reports/funder?${YEAR_2025}`);
    expect(response.status).toBe(200);
    const text = textOf(response.text);
    expect(text).toContain('Förderbericht');
    expect(text).toContain('01.01.2025 – 31.12.2025');
    expect(totalsOn(response.text)).toEqual({ offerings: 2, sessions: 4, teachingUnits: 16, participants: 6, participantDays: 5, present: 4, late: 2, excused: 1, absent: 3, completions: 3 });
    expect(offeringFigures(response.text, fixture.offerings.spring)).toEqual({ teachingUnits: 16, participants: 3, participantDays: 3, completions: 1 });
    expect(offeringFigures(response.text, fixture.offerings.may)).toEqual({ teachingUnits: 0, participants: 3, participantDays: 2, completions: 2 });
    // Dates first to last, trainers in German name order (Ä under A), attendance per session.
    expect(text).toContain('10.03.2025 – 24.03.2025');
    expect(text).toContain('Bernd Äbersold, Trude Lehrer');
    expect(text).toContain('10.03.2025, 09:00–16:00 Uhr Modul 1 Trude Lehrer 8 2 0 0 1');
    expect(text).toContain('24.03.2025, 09:00–16:00 Uhr Modul 2 Bernd Äbersold, Trude Lehrer 8 0 1 1 1');
    expect(text).toContain('12.05.2025, 13:00–16:00 Uhr – Bernd Äbersold 0 1 0 0 1');
    // Participants per organisation, per offering and for the period.
    expect(text).toContain('=Gemeinde Özhausen 3 Stadt Änderstadt 3');
    expect(text).toContain('Teilnehmendentage');
    expect(text).toContain('zwei Termine am selben Tag ergeben einen Tag');
    expect(text).not.toContain('Workshop Herbst 2024');
  });

  it('filters by period and programme', async () => {
    const old = await agent.get('/reports/funder?from=2024-01-01&to=2024-12-31');
    expect(totalsOn(old.text)).toMatchObject({ offerings: 1, participants: 1, participantDays: 1, completions: 1 });
    expect(textOf(old.text)).toContain('Workshop Herbst 2024');

    const workshops = await agent.get(`/reports/funder?${YEAR_2025}&programme=${fixture.workshopId}`);
    expect(totalsOn(workshops.text)).toEqual({ offerings: 1, sessions: 2, teachingUnits: 0, participants: 3, participantDays: 2, present: 2, late: 1, excused: 0, absent: 1, completions: 2 });
    expect(textOf(workshops.text)).not.toContain('Durchgang Frühjahr 2025');

    // Only the sessions in the period count: March alone has the series and its two sessions.
    const march = await agent.get('/reports/funder?from=2025-03-01&to=2025-03-10');
    expect(totalsOn(march.text)).toMatchObject({ offerings: 1, sessions: 1, teachingUnits: 8, participantDays: 2, present: 2, absent: 1 });

    // A workshop session's own units (workshops have no modules) count for the funder.
    await ctx.db('offering_sessions').where('id', fixture.sessions[2]!).update({ teaching_units: 4 });
    expect(totalsOn((await agent.get(`/reports/funder?${YEAR_2025}&programme=${fixture.workshopId}`)).text)).toMatchObject({ sessions: 2, teachingUnits: 4 });
  });

  it('defaults to the current calendar year and keeps the choice in the chooser', async () => {
    const year = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric' }).format(new Date());
    const chooser = await agent.get('/reports');
    expect(chooser.status).toBe(200);
    expect(inputValue(chooser.text, 'from')).toBe(`${year}-01-01`);
    expect(inputValue(chooser.text, 'to')).toBe(`${year}-12-31`);
    const report = await agent.get('/reports/funder');
    expect(textOf(report.text)).toContain(`01.01.${year} – 31.12.${year}`);
  });

  it('refuses bad dates and a period that ends before it starts, in German, with the input', async () => {
    const bad = await agent.get('/reports/funder?from=2025-02-30&to=2025-12-31');
    expect(bad.status).toBe(422);
    expect(fieldErrorText(bad.text, 'from')).toContain('gültiges Datum');
    expect(inputValue(bad.text, 'from')).toBe('2025-02-30');

    const reversed = await agent.get('/reports/trainers?from=2025-12-31&to=2025-01-01');
    expect(reversed.status).toBe(422);
    expect(errorSummaryText(reversed.text)).toContain('Das Ende des Zeitraums liegt vor seinem Anfang');
    expect(inputValue(reversed.text, 'to')).toBe('2025-01-01');

    expect((await agent.get('/reports/funder.csv?from=kaputt')).status).toBe(422);
    expect((await agent.get('/reports/funder?programme=999999')).status).toBe(404);
  });

  it('is only for coordination', async () => {
    for (const role of ['participant', 'trainer'] as const) {
      const other = await loginAs(ctx.app, await createUser(ctx.db, { role }));
      for (const path of ['/reports', `/reports/funder?${YEAR_2025}`, '/reports/funder.csv', '/reports/trainers.xlsx']) expect((await other.get(path)).status).toBe(403);
    }
    const admin = await loginAs(ctx.app, await createUser(ctx.db, { role: 'admin' }));
    expect((await admin.get(`/reports/funder?${YEAR_2025}`)).status).toBe(200);
  });

  it('shows sessions delivered per trainer with subtotals', async () => {
    const response = await agent.get(`/reports/trainers?${YEAR_2025}`);
    expect(response.status).toBe(200);
    const text = textOf(response.text);
    expect(text).toContain('2 Referent:innen, 5 Einsätze, zusammen 27:00 Std. und 24 UE.');
    expect(text.indexOf('Äbersold, Bernd')).toBeLessThan(text.indexOf('Lehrer, Trude'));
    expect(text).toContain('Zwischensumme: 3 Termine 13:00 Std. 8');
    expect(text).toContain('Zwischensumme: 2 Termine 14:00 Std. 16');
    expect(text).toContain('12.05.2025, 09:00–12:00 Uhr Workshop Mai 2025 3:00 Std. 0');
    expect(text).not.toContain('04.11.2024');
  });

  it('pages offerings and trainers within the query budget, the same for small and large data', async () => {
    // The session's activity is written at most once a minute: the first view may write it.
    await agent.get('/reports');
    const funderSmall = await countQueries(ctx.db, () => agent.get(`/reports/funder?${YEAR_2025}`));
    const trainersSmall = await countQueries(ctx.db, () => agent.get(`/reports/trainers?${YEAR_2025}`));
    const chooserSmall = await countQueries(ctx.db, () => agent.get('/reports'));

    const trainer = await createUser(ctx.db, { role: 'trainer', lastName: 'Zander' });
    for (let index = 1; index <= 12; index += 1) {
      const offering = await addOffering(ctx.db, fixture.workshopId, `Workshop Nummer ${index}`);
      const session = await addSession(ctx.db, offering, `2025-06-${String(index).padStart(2, '0')}T09:00`, `2025-06-${String(index).padStart(2, '0')}T12:00`, null, [trainer.id]);
      for (let person = 0; person < 5; person += 1) {
        const user = await createUser(ctx.db, { organisationId: fixture.organisations.town });
        await ctx.db('enrollments').insert({ offering_id: offering, user_id: user.id, status: 'confirmed' });
        await ctx.db('attendance_records').insert({ session_id: session, user_id: user.id, status: 'present', source: 'roll_call' });
      }
    }
    let firstPage = '';
    const funderLarge = await countQueries(ctx.db, async () => {
      firstPage = (await agent.get(`/reports/funder?${YEAR_2025}`)).text;
    });
    const trainersLarge = await countQueries(ctx.db, () => agent.get(`/reports/trainers?${YEAR_2025}`));
    const chooserLarge = await countQueries(ctx.db, () => agent.get('/reports'));
    expect(funderLarge).toBe(funderSmall);
    expect(trainersLarge).toBe(trainersSmall);
    expect(chooserLarge).toBe(chooserSmall);
    expect(Math.max(funderLarge, trainersLarge, chooserLarge)).toBeLessThanOrEqual(6);

    // 14 offerings: ten on the first page, the totals cover all of them.
    expect(totalsOn(firstPage)).toMatchObject({ offerings: 14, participants: 66, participantDays: 65, completions: 63 });
    expect(firstPage.match(/data-offering="/g)).toHaveLength(10);
    const second = await agent.get(`/reports/funder?${YEAR_2025}&page=2`);
    expect(second.text.match(/data-offering="/g)).toHaveLength(4);
    expect(totalsOn(second.text)).toEqual(totalsOn(firstPage));
    expect(textOf(second.text)).toContain('Seite 2 von 2');
  });
});
