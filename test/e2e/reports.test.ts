import { useBrowserApp } from '../support/browser';
import { createReportsFixture } from '../http/reports.fixture';
import { createUser } from '../support/factories';

/** The coordinator's reporting work in Chromium, with axe on every page (issue 12). */
describe('reports in the browser', () => {
  const b = useBrowserApp();

  it('a coordinator reads the figures on the start page, then the funder report, the trainer report and the person view', async () => {
    const fixture = await createReportsFixture(b.db);
    await b.logIn(b.page, fixture.coordinator);

    await b.visit('/?year=2025');
    await expect(b.page.getByRole('img', { name: /Balkendiagramm: Teilnehmende je Organisation/ }).isVisible()).resolves.toBe(true);
    await expect(b.page.getByRole('img', { name: /Säulendiagramm: Anwesenheitsquote je Monat/ }).isVisible()).resolves.toBe(true);

    await b.visit('/reports');
    await b.page.getByLabel('Von').fill('2025-01-01');
    await b.page.getByLabel('Bis').fill('2025-12-31');
    await b.follow(() => b.page.getByRole('button', { name: 'Förderbericht anzeigen' }).click());
    expect(new URL(b.page.url()).pathname).toBe('/reports/funder');
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Förderbericht');

    await b.visit('/reports/trainers?from=2025-01-01&to=2025-12-31');
    await expect(b.page.getByText('Lehrer, Trude').first().isVisible()).resolves.toBe(true);

    await b.visit('/reports/people');
    await b.page.getByLabel('Name oder E-Mail-Adresse').fill('Pütz');
    await b.follow(() => b.page.getByRole('button', { name: 'Filtern' }).click());
    await expect(b.page.getByRole('rowheader', { name: /Pütz, Paul/ }).isVisible()).resolves.toBe(true);

    await b.visit('/reports/overview?year=2025');
  });

  it('an admin reads the audit trail', async () => {
    const fixture = await createReportsFixture(b.db);
    const admin = await createUser(b.db, { role: 'admin' });
    await b.logIn(b.page, fixture.coordinator);
    await b.visit('/');
    await b.logIn(b.page, admin);
    await b.visit('/admin/audit');
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Protokoll');
    await expect(b.page.getByRole('cell', { name: 'Angemeldet (Login)' }).first().isVisible()).resolves.toBe(true);
  });
});
