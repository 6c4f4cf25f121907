import { useBrowserApp } from '../support/browser';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createUser } from '../support/factories';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** Each role's start page in Chromium, with axe on every page (issue 12). */
describe('start pages in the browser', () => {
  const b = useBrowserApp();

  it('a participant sees their dates and progress and checks in from the start page while a session runs', async () => {
    const person = await createUser(b.db, { firstName: 'Lena', lastName: 'Schäfer' });
    const series = await createProgramme(b.db, { kind: 'series', title: 'Kommunales Konfliktmanagement' });
    const offering = await createOffering(b.db, { programmeId: series.id, title: 'Durchgang Herbst', sessions: 5, startsInDays: 3, moduleIds: series.modules.map((module) => module.id) });
    await b.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed', confirmed_at: new Date() });
    // The first session is running now.
    await b.db('offering_sessions').where('id', offering.sessionIds[0]!).update({ starts_at: new Date(Date.now() - HOUR_MS), ends_at: new Date(Date.now() + 2 * HOUR_MS) });
    await b.db('excuses').insert({ session_id: offering.sessionIds[1]!, user_id: person.id, reason: 'Dienstreise' });

    await b.logIn(b.page, person);
    await b.visit('/');
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Guten Tag, Lena!');
    await expect(b.page.getByRole('table', { name: 'Meine nächsten Termine mit Ort und Kalendereintrag' }).getByRole('row').count()).resolves.toBe(6);
    await expect(b.page.getByText('0 von 5 erforderlichen Modulen abgeschlossen').isVisible()).resolves.toBe(true);
    await expect(b.page.getByRole('heading', { name: 'Offene Entschuldigungen' }).isVisible()).resolves.toBe(true);
    await b.follow(() => b.page.getByRole('link', { name: 'Jetzt einchecken' }).click());
    expect(new URL(b.page.url()).pathname).toBe('/check-in');
  });

  it('a trainer goes from the start page to a roll call still missing', async () => {
    const trainer = await createUser(b.db, { role: 'trainer', firstName: 'Jana', lastName: 'Feldkamp' });
    const person = await createUser(b.db);
    const past = await createOffering(b.db, { title: 'Workshop Herbst', startsInDays: -7, registrationOpensInDays: -30, registrationClosesInDays: -8, trainerIds: [trainer.id] });
    await createOffering(b.db, { title: 'Workshop Winter', startsInDays: 10, trainerIds: [trainer.id] });
    await b.db('enrollments').insert({ offering_id: past.id, user_id: person.id, status: 'confirmed', confirmed_at: new Date(Date.now() - 10 * DAY_MS) });

    await b.logIn(b.page, trainer);
    await b.visit('/');
    await expect(b.page.getByRole('table', { name: 'Termine, die Sie heute und demnächst leiten' }).getByRole('cell', { name: 'Workshop Winter', exact: true }).isVisible()).resolves.toBe(true);
    await expect(b.page.getByText('Für 1 vergangenen Termin ist noch keine Anwesenheit gespeichert.').isVisible()).resolves.toBe(true);
    await b.follow(() => b.page.getByRole('link', { name: /Anwesenheit erfassen\s*: Workshop Herbst/ }).click());
    expect(new URL(b.page.url()).pathname).toBe(`/attendance/sessions/${past.sessionIds[0]}`);
  });

  it('a coordinator finds the work pages on the start page', async () => {
    const coordinator = await createUser(b.db, { role: 'coordinator', firstName: 'Claudia' });
    await b.logIn(b.page, coordinator);
    await b.visit('/');
    await expect(b.page.getByRole('heading', { name: 'Ihre Arbeitsbereiche' }).isVisible()).resolves.toBe(true);
    await b.follow(() => b.page.getByRole('main').getByRole('link', { name: 'Durchgänge' }).click());
    expect(new URL(b.page.url()).pathname).toBe('/manage/offerings');
  });
});
