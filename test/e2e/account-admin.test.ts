import { linkIn } from '../support/app';
import { useBrowserApp } from '../support/browser';
import { createOrganisation, createUser } from '../support/factories';

describe('account administration in the browser', () => {
  const b = useBrowserApp();

  it('an admin invites people from a CSV preview, an invited person activates the account from the mail', async () => {
    await createOrganisation(b.db, { name: 'Stadt Bergheide' });
    const admin = await createUser(b.db, { role: 'admin', firstName: 'Ada', lastName: 'Admin' });

    // The admin: from the account list to the invitation page, a list from German Excel.
    await b.logIn(b.page, admin);
    await b.visit('/admin/users');
    await b.follow(() => b.page.getByRole('link', { name: 'Personen einladen' }).click());
    // A form sent empty comes back with the German error summary, its links leading to the fields.
    await b.follow(() => b.page.getByRole('button', { name: 'Einladung senden' }).click());
    const summary = b.page.locator('.app-error-summary');
    await expect(summary.innerText()).resolves.toContain('Bitte füllen Sie dieses Feld aus.');
    await expect(summary.getByRole('link').first().getAttribute('href')).resolves.toBe('#field-firstName');
    const csv = '\uFEFFE-Mail;Vorname;Nachname;Organisation;Rolle;Sprache\r\nhelga.hoffmann@bergheide.example;Helga;Hoffmann;Stadt Bergheide;Teilnehmende;Deutsch\r\nmaximiliane-friederike.von-hohenlohe-langenburg@bergheide.example;Maximiliane-Friederike;von Hohenlohe-Langenburg;Stadt Bergheide;Referent:in;Englisch\r\n';
    await b.page.getByLabel('CSV-Datei').setInputFiles({ name: 'Einladungen.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await b.follow(() => b.page.getByRole('button', { name: 'Liste prüfen' }).first().click());
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Vorschau: Personen einladen');
    const preview = b.page.getByRole('table', { name: 'Was mit jeder Zeile der Liste geschieht' });
    await expect(preview.innerText()).resolves.toContain('Neu: wird als Referent:in eingeladen (Englisch)');
    await expect(b.page.getByRole('status').first().innerText()).resolves.toContain('neu einzuladen: 2');
    // Nothing exists before the confirmation.
    expect(await b.db('users').where({ email: 'helga.hoffmann@bergheide.example' })).toHaveLength(0);
    // The long address wraps inside the page instead of widening it.
    const overflow = await b.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await b.screenshot('invitation-preview');
    await b.follow(() => b.page.getByRole('button', { name: 'Jetzt einladen' }).click());
    expect(new URL(b.page.url()).pathname).toBe('/admin/users');
    await expect(b.page.getByRole('status').first().innerText()).resolves.toContain('2 Personen wurden eingeladen.');

    // The invited person follows the link in the mail and sets a password.
    await b.deliverMail();
    const mail = b.mailbox.find((sent) => sent.to === 'helga.hoffmann@bergheide.example');
    expect(mail?.subject).toBe('Einladung zu KoKoMa Campus');
    const invited = await b.newPage();
    await b.follow(() => invited.goto(linkIn(mail)), invited);
    await invited.getByLabel('Neues Passwort').fill('Bergheide-im-Herbst-2026');
    await invited.getByLabel('Passwort wiederholen').fill('Bergheide-im-Herbst-2026');
    await b.follow(() => invited.getByRole('button', { name: 'Passwort speichern' }).click(), invited);
    expect(new URL(invited.url()).pathname).toBe('/login');
    await b.logIn(invited, { email: 'helga.hoffmann@bergheide.example', password: 'Bergheide-im-Herbst-2026' });
    await expect(invited.locator('header').innerText()).resolves.toContain('Angemeldet als Helga Hoffmann');
  }, 180_000);

  it('a coordinator merges a duplicate organisation into the one kept after a preview', async () => {
    const kept = await createOrganisation(b.db, { name: 'Stadt Bergheide' });
    const duplicate = await createOrganisation(b.db, { name: 'Bergheide, Stadt' });
    for (const lastName of ['Kessler', 'Korn', 'Kunz']) await createUser(b.db, { firstName: 'Karl', lastName, organisationId: kept.id });
    await createUser(b.db, { firstName: 'Doris', lastName: 'Doppel', organisationId: duplicate.id });
    const coordinator = await createUser(b.db, { role: 'coordinator', firstName: 'Cora', lastName: 'Koordination', organisationId: null });
    const coordination = b.page;
    await b.logIn(coordination, coordinator);
    await b.visit('/admin/organisations', coordination);
    await b.follow(() => coordination.getByRole('link', { name: 'Bergheide, Stadt' }).click(), coordination);
    await coordination.getByLabel('Diese Organisation behalten').selectOption({ label: 'Stadt Bergheide (3 Personen)' });
    await b.follow(() => coordination.getByRole('button', { name: 'Zusammenführung prüfen' }).click(), coordination);
    await expect(coordination.getByRole('table', { name: 'Was übertragen wird' }).innerText()).resolves.toMatch(/Personen[\s\S]*1/);
    await b.follow(() => coordination.getByRole('button', { name: 'Jetzt zusammenführen' }).click(), coordination);
    await expect(coordination.getByRole('status').first().innerText()).resolves.toContain('„Bergheide, Stadt“ wurde in „Stadt Bergheide“ zusammengeführt (1 Person übertragen).');
    await b.visit('/admin/organisations', coordination);
    const list = coordination.getByRole('table', { name: 'Organisationen' });
    await expect(list.innerText()).resolves.not.toContain('Bergheide, Stadt');
    await expect(list.getByRole('row', { name: /Stadt Bergheide/ }).getByRole('cell').nth(2).innerText()).resolves.toBe('4');
  }, 120_000);
});
