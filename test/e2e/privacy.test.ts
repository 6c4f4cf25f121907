import { createReportsFixture } from '../http/reports.fixture';
import { useBrowserApp } from '../support/browser';
import { createUser, PASSWORD, type TestUser } from '../support/factories';

/**
 * The people's rights and the Löschkonzept in Chromium (issue 13), with axe on every page:
 * a participant with records under retention asks for deletion by keyboard, an admin
 * anonymises, reads the retention rules, the record of processing and the audit trail;
 * coordination corrects a person's data from the person view; the public legal pages.
 */
describe('privacy pages in the browser', () => {
  const b = useBrowserApp();

  const focused = () => b.page.locator(':focus');

  /** Olaf Özkan of the reports fixture: attendance in 2025, so his request waits for an admin. */
  async function olaf(): Promise<TestUser> {
    const row = (await b.db('users').where({ first_name: 'Olaf', last_name: 'Özkan' }).first('id', 'email')) as { id: number; email: string };
    return { id: row.id, email: row.email, firstName: 'Olaf', lastName: 'Özkan', role: 'participant', password: PASSWORD };
  }

  it('a participant finds their data and asks for deletion by keyboard; an admin anonymises and reads the Löschkonzept, the record of processing and the trail', async () => {
    await createReportsFixture(b.db);
    const person = await olaf();
    // An unconfirmed registration from ten days ago: the next nightly run deletes it (7 days).
    await createUser(b.db, { firstName: 'Uwe', lastName: 'Unbestätigt', verified: false }).then(({ id }) =>
      b.db('users')
        .where('id', id)
        .update({ created_at: new Date(Date.now() - 10 * 24 * 3600 * 1000) }),
    );

    await b.logIn(b.page, person);
    await b.visit('/account');
    const myData = b.page.getByRole('region', { name: 'Meine Daten' });
    // The downloads are files, not pages: their links are there.
    await expect(myData.getByRole('link', { name: 'Meine Daten als JSON (maschinenlesbar)' }).getAttribute('href')).resolves.toBe('/account/data.json');
    await expect(myData.getByRole('link', { name: 'Meine Daten als PDF (zum Lesen)' }).getAttribute('href')).resolves.toBe('/account/data.pdf');
    await b.follow(() => myData.getByRole('link', { name: 'Löschung meines Kontos beantragen' }).click());
    expect(new URL(b.page.url()).pathname).toBe('/account/erasure');
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Löschung meines Kontos beantragen');

    // By keyboard: send without the tick, the error summary takes the focus, its link leads to the tick box.
    const submit = b.page.getByRole('button', { name: 'Löschung beantragen' });
    await submit.focus();
    await b.follow(() => b.page.keyboard.press('Enter'));
    await expect(focused().getAttribute('class')).resolves.toContain('app-error-summary');
    await b.page.keyboard.press('Tab');
    await expect(focused().textContent()).resolves.toBe('Bitte bestätigen Sie die Löschung mit dem Häkchen.');
    await b.page.keyboard.press('Enter');
    await expect(focused().getAttribute('id')).resolves.toBe('field-confirm');
    await b.page.keyboard.press('Space');
    await expect(b.page.getByLabel(/Ja, ich möchte, dass mein Konto gelöscht wird/).isChecked()).resolves.toBe(true);
    await b.page.keyboard.press('Tab');
    await expect(focused().textContent()).resolves.toBe('Löschung beantragen');
    await b.follow(() => b.page.keyboard.press('Enter'));
    expect(new URL(b.page.url()).pathname).toBe('/account');
    await expect(b.page.getByRole('status').filter({ hasText: 'Ihr Antrag auf Löschung ist eingegangen.' }).isVisible()).resolves.toBe(true);
    await b.visit('/account/erasure');
    await expect(b.page.getByRole('heading', { level: 2, name: 'Ihr Antrag auf Löschung liegt vor' }).isVisible()).resolves.toBe(true);

    const admin = await b.newPage();
    await b.logIn(admin, await createUser(b.db, { role: 'admin' }));
    await b.follow(() => admin.getByRole('link', { name: 'Löschanträge' }).click(), admin);
    expect(new URL(admin.url()).pathname).toBe('/admin/erasure-requests');
    const requests = admin.getByRole('table', { name: 'Offene Anträge auf Löschung' });
    await expect(requests.getByRole('row').count()).resolves.toBe(2);
    await b.follow(() => requests.getByRole('link', { name: 'Antrag von Olaf Özkan bearbeiten' }).click(), admin);
    await expect(admin.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Person anonymisieren');
    await b.follow(() => admin.getByRole('button', { name: 'Anonymisieren' }).click(), admin);
    await expect(admin.getByRole('alert').getByRole('link', { name: 'Bitte bestätigen Sie die Löschung mit dem Häkchen.' }).isVisible()).resolves.toBe(true);
    await expect(b.db('users').where('id', person.id).first('first_name')).resolves.toEqual({ first_name: 'Olaf' });
    await admin.getByLabel('Ja, Olaf Özkan jetzt anonymisieren. Das kann nicht rückgängig gemacht werden.').check();
    await b.follow(() => admin.getByRole('button', { name: 'Anonymisieren' }).click(), admin);
    expect(new URL(admin.url()).pathname).toBe('/admin/erasure-requests');
    await expect(admin.getByRole('status').filter({ hasText: 'Die Person wurde anonymisiert.' }).isVisible()).resolves.toBe(true);
    await expect(admin.getByText('Es liegen keine offenen Anträge vor.').isVisible()).resolves.toBe(true);
    await expect(b.db('users').where('id', person.id).first('first_name', 'last_name')).resolves.toEqual({ first_name: 'Gelöschte', last_name: 'Person' });

    await b.follow(() => admin.getByRole('link', { name: 'Löschfristen' }).click(), admin);
    await expect(admin.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Löschfristen (Löschkonzept)');
    await expect(admin.locator('[data-last-run]').textContent()).resolves.toContain('Noch kein Lauf.');
    const rules = admin.getByRole('table', { name: /^Löschregeln mit Frist/ });
    const unverified = rules.getByRole('row', { name: /Nicht bestätigte Registrierungen/ });
    await expect(unverified.getByRole('cell').allTextContents()).resolves.toEqual(['7 Tage', 'gelöscht', 'Art. 5 Abs. 1 lit. e, Art. 17 Abs. 1 lit. a DSGVO', 'nächtlicher Löschlauf', '–', '1']);
    await expect(admin.getByRole('button', { name: 'Jetzt ausführen' }).isVisible()).resolves.toBe(true);

    await b.visit('/admin/processing', admin);
    await expect(admin.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Verzeichnis von Verarbeitungstätigkeiten');
    await expect(admin.getByRole('link', { name: 'Als PDF herunterladen' }).getAttribute('href')).resolves.toBe('/admin/processing.pdf');

    // The old address of the trail still leads there.
    await b.visit('/admin/audit', admin);
    expect(new URL(admin.url()).pathname).toBe('/audit');
    await expect(admin.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Protokoll');
  });

  it('coordination corrects a person from the person view, an admin from the user page', async () => {
    const fixture = await createReportsFixture(b.db);
    const person = await olaf();
    await b.logIn(b.page, fixture.coordinator);
    await b.visit('/reports/people');
    const row = b.page.getByRole('table', { name: /^Personen mit Anmeldungen/ }).locator(`tr[data-person="${person.id}"]`);
    await b.follow(() => row.getByRole('link', { name: 'Daten korrigieren (Olaf Özkan)' }).click());
    expect(new URL(b.page.url()).pathname).toBe(`/admin/users/${person.id}/edit`);
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Angaben zur Person berichtigen: Olaf Özkan');

    await b.page.getByLabel('Nachname').fill('');
    await b.follow(() => b.page.getByRole('button', { name: 'Berichtigung speichern' }).click());
    await expect(focused().getAttribute('class')).resolves.toContain('app-error-summary');
    await b.page.getByLabel('Nachname').fill('Özkan-Berg');
    await b.page.getByLabel('Fachbereich / Abteilung').fill('Bauamt');
    await b.follow(() => b.page.getByRole('button', { name: 'Berichtigung speichern' }).click());
    await expect(b.page.getByRole('status').filter({ hasText: 'Die Angaben wurden berichtigt.' }).isVisible()).resolves.toBe(true);
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Angaben zur Person berichtigen: Olaf Özkan-Berg');
    await expect(b.page.getByLabel('Fachbereich / Abteilung').inputValue()).resolves.toBe('Bauamt');

    const admin = await b.newPage();
    await b.logIn(admin, await createUser(b.db, { role: 'admin' }));
    await b.visit('/reports/people', admin);
    const adminRow = admin.locator(`tr[data-person="${person.id}"]`);
    await b.follow(() => adminRow.getByRole('link', { name: 'Özkan-Berg, Olaf' }).click(), admin);
    expect(new URL(admin.url()).pathname).toBe(`/admin/users/${person.id}`);
    await b.follow(() => admin.getByRole('link', { name: 'Angaben zur Person berichtigen' }).click(), admin);
    expect(new URL(admin.url()).pathname).toBe(`/admin/users/${person.id}/edit`);
    await expect(admin.getByLabel('Fachbereich / Abteilung').inputValue()).resolves.toBe('Bauamt');
  });

  it('a visitor reads the privacy notice and Leichte Sprache and reports a barrier, first with the message missing', async () => {
    await createUser(b.db, { role: 'coordinator', email: 'koordination@musterland.example' });
    await b.visit('/datenschutz');
    await expect(b.page.getByRole('table', { name: 'Datenarten, Zweck und Löschfristen' }).isVisible()).resolves.toBe(true);
    await b.visit('/leichte-sprache');
    await expect(b.page.getByRole('heading', { level: 2, name: 'Wie benutze ich die Seite?' }).isVisible()).resolves.toBe(true);

    await b.visit('/barrierefreiheit');
    const form = b.page.locator('form[action="/barrierefreiheit"]');
    await form.getByLabel('Ihre E-Mail-Adresse').fill('erika.sommerfeld@gemeinde.example');
    await b.follow(() => form.getByRole('button', { name: 'Nachricht senden' }).click());
    await expect(focused().getAttribute('class')).resolves.toContain('app-error-summary');
    await expect(b.page.getByRole('alert').getByRole('link', { name: 'Bitte füllen Sie dieses Feld aus.' }).isVisible()).resolves.toBe(true);
    await form.getByLabel('Ihre Nachricht').fill('Das Formular für Entschuldigungen hat kein sichtbares Fokus-Signal.');
    await b.follow(() => form.getByRole('button', { name: 'Nachricht senden' }).click());
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Nachricht gesendet');
    await b.deliverMail();
    expect(b.mailbox.map((mail) => mail.to)).toEqual(['koordination@musterland.example']);
  });
});
