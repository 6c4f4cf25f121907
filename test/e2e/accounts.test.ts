import { linkIn } from '../support/app';
import { useBrowserApp, type BrowserTestContext } from '../support/browser';
import { createOrganisation, createUser } from '../support/factories';

describe('accounts in the browser', () => {
  const b = useBrowserApp();

  async function logIn(email: string, password: string): Promise<void> {
    await b.visit('/login');
    await b.page.getByLabel('E-Mail-Adresse').fill(email);
    await b.page.getByLabel('Passwort', { exact: true }).fill(password);
    await b.follow(() => b.page.getByRole('button', { name: 'Anmelden' }).click());
    // Staff type their second factor's code (test/support/browser.ts).
    await b.passSecondFactor(b.page, email);
  }

  const header = (ctx: BrowserTestContext) => ctx.page.locator('header');
  const focused = (ctx: BrowserTestContext) => ctx.page.locator(':focus');

  it('registers through the form, confirms the e-mail, logs in, switches language and logs out', async () => {
    const organisation = await createOrganisation(b.db, { name: 'Stadt Beispielstadt' });
    await b.visit('/register');
    await b.screenshot('register');
    const form = b.page.locator('form[action="/register"]');
    await form.getByLabel('Vorname').fill('Jana');
    await form.getByLabel('Nachname').fill('Krüger');
    await form.getByLabel('E-Mail-Adresse').fill('jana.krueger@beispielstadt.example');
    await form.getByLabel('Organisation').selectOption({ label: organisation.name });
    await form.getByLabel('Fachbereich / Abteilung').fill('Ordnungsamt');
    await form.getByLabel('Passwort', { exact: true }).fill('Ein-langer-Satz-2026');
    await form.getByLabel('Passwort wiederholen').fill('Ein-langer-Satz-2026');
    await form.getByLabel('Ich habe die Datenschutzhinweise gelesen.').check();
    await b.follow(() => form.getByRole('button', { name: 'Konto anlegen' }).click());
    expect(new URL(b.page.url()).pathname).toBe('/register/sent');
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Bitte bestätigen Sie Ihre E-Mail-Adresse');

    const registered = await b.db('users').where({ email: 'jana.krueger@beispielstadt.example' }).first();
    expect(registered).toMatchObject({ first_name: 'Jana', last_name: 'Krüger', organisation_id: organisation.id, email_verified_at: null });
    await b.deliverMail();
    const mail = b.mailbox.find((sent) => sent.to === 'jana.krueger@beispielstadt.example');
    await b.follow(() => b.page.goto(linkIn(mail)));
    expect(new URL(b.page.url()).pathname).toBe('/login');
    await expect(b.page.getByRole('status').textContent()).resolves.toContain('Ihre E-Mail-Adresse ist bestätigt.');

    await b.page.getByLabel('E-Mail-Adresse').fill('jana.krueger@beispielstadt.example');
    await b.page.getByLabel('Passwort', { exact: true }).fill('Ein-langer-Satz-2026');
    await b.follow(() => b.page.getByRole('button', { name: 'Anmelden' }).click());
    expect(new URL(b.page.url()).pathname).toBe('/');
    await expect(header(b).innerText()).resolves.toContain('Angemeldet als Jana Krüger');
    await b.screenshot('home-logged-in');

    await b.follow(() => header(b).getByRole('link', { name: 'English' }).click());
    await expect(b.page.locator('html').getAttribute('lang')).resolves.toBe('en');
    await expect(header(b).innerText()).resolves.toContain('Logged in as Jana Krüger');
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Hello, Jana!');
    await expect(header(b).getByRole('button', { name: 'Log out' }).isVisible()).resolves.toBe(true);

    await b.follow(() => header(b).getByRole('link', { name: 'Deutsch' }).click());
    await expect(b.page.locator('html').getAttribute('lang')).resolves.toBe('de');
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Guten Tag, Jana!');

    await b.follow(() => header(b).getByRole('button', { name: 'Abmelden' }).click());
    await expect(b.page.getByRole('status').textContent()).resolves.toContain('Sie wurden abgemeldet.');
    await expect(header(b).innerText()).resolves.not.toContain('Angemeldet als');
    await expect(header(b).getByRole('link', { name: 'Anmelden' }).isVisible()).resolves.toBe(true);
  });

  it('shows a focused error summary linking to the fields when the registration form is empty', async () => {
    await createOrganisation(b.db);
    await b.visit('/register');
    await b.follow(() => b.page.getByRole('button', { name: 'Konto anlegen' }).click());
    await b.screenshot('register-errors');

    const summary = b.page.locator('.app-error-summary');
    await expect(summary.isVisible()).resolves.toBe(true);
    await expect(summary.getByRole('heading').textContent()).resolves.toBe('Bitte prüfen Sie Ihre Angaben');
    await expect(focused(b).getAttribute('class')).resolves.toContain('app-error-summary');
    const box = await summary.boundingBox();
    expect(box && box.y >= 0 && box.y + box.height <= (b.page.viewportSize()?.height ?? 0)).toBe(true);

    const targets = await summary.getByRole('link').evaluateAll((links) => links.map((link) => link.getAttribute('href')));
    expect(targets).toEqual(['#field-firstName', '#field-lastName', '#field-email', '#field-organisationId', '#field-password', '#field-privacyAccepted']);
    for (const target of targets) await expect(b.page.locator(String(target)).getAttribute('aria-invalid')).resolves.toBe('true');

    await summary.getByRole('link').nth(2).click();
    await expect(focused(b).getAttribute('id')).resolves.toBe('field-email');
    expect(await b.db('users').count({ count: '*' }).first()).toEqual({ count: 0 });
    await b.deliverMail();
    expect(b.mailbox).toHaveLength(0);
  });

  it('makes the skip link the first Tab stop and moves focus to the main content', async () => {
    await b.visit('/');
    await b.page.keyboard.press('Tab');
    await expect(focused(b).getAttribute('class')).resolves.toBe('skip-link');
    await expect(focused(b).textContent()).resolves.toBe('Zum Inhalt springen');
    // Visible while focused, inside the viewport (not only "not display:none").
    const box = await focused(b).boundingBox();
    expect(box && box.x >= 0 && box.y >= 0).toBe(true);
    await b.checkA11y();

    await b.page.keyboard.press('Enter');
    await expect(focused(b).getAttribute('id')).resolves.toBe('main');
    // The next Tab stop is the first control inside main, not the header again.
    await b.page.keyboard.press('Tab');
    await expect(focused(b).evaluate((element) => element.closest('main') !== null)).resolves.toBe(true);
    // On the start page that is the way to the text in Leichte Sprache, then the login.
    await expect(focused(b).textContent()).resolves.toBe('Diese Seite in Leichter Sprache');
    await b.page.keyboard.press('Tab');
    await expect(focused(b).textContent()).resolves.toBe('Anmelden');
  });

  it('lets an admin open the user and organisation administration', async () => {
    const organisation = await createOrganisation(b.db, { name: 'Kreisverwaltung Musterland' });
    const admin = await createUser(b.db, { role: 'admin', firstName: 'Ada', lastName: 'Admin', organisationId: organisation.id });
    await createUser(b.db, { firstName: 'Paul', lastName: 'Teilnehmer', organisationId: organisation.id });
    await logIn(admin.email, admin.password);

    await b.follow(() => b.page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Benutzerkonten' }).click());
    expect(new URL(b.page.url()).pathname).toBe('/admin/users');
    await expect(b.page.getByRole('table').innerText()).resolves.toContain('Teilnehmer, Paul');
    await b.screenshot('admin-users');

    await b.visit('/admin/organisations');
    await expect(b.page.getByRole('table').innerText()).resolves.toContain('Kreisverwaltung Musterland');
    await b.screenshot('admin-organisations');
  });
});
