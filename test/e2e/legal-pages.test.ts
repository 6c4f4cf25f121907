import { useBrowserApp } from '../support/browser';
import { dataCategories } from '../../src/privacy/categories';
import { createUser } from '../support/factories';

/** The legal pages in Chromium, each checked with axe (issue 13). */
describe('legal pages in the browser', () => {
  const b = useBrowserApp({ SIGN_LANGUAGE_VIDEO_URL: 'https://video.example/kokoma-dgs', DATA_PROTECTION_OFFICER: 'Datenschutzbeauftragte, datenschutz@musterland.example' });

  it('a visitor goes from the start page to Leichte Sprache, the privacy notice and the accessibility statement and reports a barrier', async () => {
    await createUser(b.db, { role: 'coordinator', email: 'koordination@musterland.example' });
    await b.visit('/');
    await b.follow(() => b.page.getByRole('main').getByRole('link', { name: 'Diese Seite in Leichter Sprache' }).click());
    expect(new URL(b.page.url()).pathname).toBe('/leichte-sprache');
    await expect(b.page.getByRole('heading', { level: 2, name: 'Wie benutze ich die Seite?' }).isVisible()).resolves.toBe(true);
    const footer = b.page.getByRole('navigation', { name: 'Rechtliches' });
    await expect(footer.getByRole('link', { name: 'Gebärdensprache' }).getAttribute('href')).resolves.toBe('https://video.example/kokoma-dgs');

    await b.follow(() => footer.getByRole('link', { name: 'Datenschutz' }).click());
    await expect(b.page.getByText('Datenschutzbeauftragte, datenschutz@musterland.example').isVisible()).resolves.toBe(true);
    const retention = b.page.getByRole('table', { name: 'Datenarten, Zweck und Löschfristen' });
    await expect(retention.getByRole('row', { name: /Nicht bestätigte Registrierungen/ }).getByRole('cell', { name: '7 Tage' }).isVisible()).resolves.toBe(true);

    await b.follow(() => footer.getByRole('link', { name: 'Barrierefreiheit' }).click());
    expect(new URL(b.page.url()).pathname).toBe('/barrierefreiheit');
    // An empty message comes back with the error named and focusable from the summary.
    const form = b.page.locator('form[action="/barrierefreiheit"]');
    await form.getByLabel('Ihre E-Mail-Adresse').fill('erika.sommerfeld@gemeinde.example');
    await b.follow(() => form.getByRole('button', { name: 'Nachricht senden' }).click());
    await expect(b.page.getByRole('alert').getByRole('link', { name: 'Bitte füllen Sie dieses Feld aus.' }).isVisible()).resolves.toBe(true);
    await expect(form.getByLabel('Ihre E-Mail-Adresse').inputValue()).resolves.toBe('erika.sommerfeld@gemeinde.example');
    await form.getByLabel('Ihre Nachricht').fill('Die Tabelle der Termine ist mit der Tastatur nicht zu erreichen.');
    await b.follow(() => form.getByRole('button', { name: 'Nachricht senden' }).click());
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Nachricht gesendet');
    await b.deliverMail();
    expect(b.mailbox.map((mail) => mail.to)).toEqual(['koordination@musterland.example']);
  });

  it('an admin reads the record of processing', async () => {
    const admin = await createUser(b.db, { role: 'admin' });
    await b.logIn(b.page, admin);
    await b.visit('/admin/processing');
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Verzeichnis von Verarbeitungstätigkeiten');
    const activities = b.page.getByRole('table', { name: /Verarbeitungstätigkeiten mit Zweck/ });
    // A header row and every category the installation keeps (categories.ts).
    await expect(activities.getByRole('row').count()).resolves.toBe(1 + dataCategories(b.config).length);
    await expect(activities.getByRole('row', { name: /Zertifikate und Teilnahmebestätigungen/ }).count()).resolves.toBe(1);
    await expect(b.page.getByRole('link', { name: 'Als PDF herunterladen' }).getAttribute('href')).resolves.toBe('/admin/processing.pdf');
  });
});
