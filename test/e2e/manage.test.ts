import type { Locator, Page } from 'playwright-core';
import { formatDate, toBerlinInputValue } from '../../src/shared/format';
import { useBrowserApp } from '../support/browser';
import { createOrganisation, createUser } from '../support/factories';

const SERIES_TITLE = 'Kommunales Konfliktmanagement – Theorie und Praxis';
const MODULE_TITLES = [
  'Konflikte verstehen – Grundlagen, Dynamik und Eskalationsstufen',
  'Systemische Konfliktanalyse in der Kommune',
  'Kommunikation und Gesprächsführung in angespannten Situationen',
  'Moderation, Beteiligung und Mediation im Verwaltungsalltag',
  'Praxistransfer – eigene Konfliktfälle bearbeiten',
];
const WORKSHOP_TITLE = 'Umgang mit extremistischen Gruppierungen im Verwaltungshandeln';

const DAY = 24 * 60 * 60 * 1000;
/** A whole setup is some 25 pages, each checked by axe. */
const JOURNEY_TIMEOUT = 150_000;

/** A datetime-local value (Berlin wall-clock time) `days` from now at `time`. */
function berlinInput(days: number, time: string): string {
  return `${toBerlinInputValue(new Date(Date.now() + days * DAY)).slice(0, 10)}T${time}`;
}

/** The same day as a German date ("10.02.2027"). */
function germanDate(days: number): string {
  return formatDate(new Date(`${berlinInput(days, '12:00')}:00Z`));
}

describe('coordinators set up programmes in the browser', () => {
  const b = useBrowserApp();


  const main = (page: Page = b.page) => page.getByRole('main');
  const nav = (page: Page = b.page) => page.getByRole('navigation', { name: 'Hauptnavigation' });
  const flash = async (page: Page = b.page) => page.locator('.app-flash').innerText();
  const focused = (page: Page = b.page) => page.locator(':focus');
  const pathOf = (page: Page = b.page) => new URL(page.url()).pathname;

  /** Radio buttons and checkboxes are chosen with the keyboard: focus, then Space. */
  async function choose(option: Locator): Promise<void> {
    await option.focus();
    await b.page.keyboard.press('Space');
    await expect(option.isChecked()).resolves.toBe(true);
  }

  async function createProgramme(fields: { kind: string; title: string; description: string; targetGroup: string; certificate: string }): Promise<void> {
    await b.follow(() => nav().getByRole('link', { name: 'Programme' }).click());
    await b.follow(() => main().getByRole('link', { name: 'Programm anlegen' }).click());
    await expect(b.page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Neues Programm');
    const form = main().locator('form');
    await choose(form.getByRole('group', { name: 'Art des Programms' }).getByLabel(fields.kind, { exact: true }));
    await form.getByLabel('Titel', { exact: true }).fill(fields.title);
    await form.getByLabel('Beschreibung').fill(fields.description);
    await form.getByLabel('Zielgruppe').fill(fields.targetGroup);
    await choose(form.getByRole('group', { name: 'Bescheinigung nach Abschluss' }).getByLabel(fields.certificate, { exact: true }));
    await b.follow(() => form.getByRole('button', { name: 'Programm anlegen' }).click());
    await expect(flash()).resolves.toContain('Das Programm wurde angelegt.');
    await expect(b.page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(fields.title);
  }

  type OfferingFields = { title: string; capacity: string; opens: string; closes: string; cancellation: string; location: string; approval: 'Ja' | 'Nein' };

  async function fillOffering(fields: OfferingFields): Promise<void> {
    const form = main().locator('form');
    await form.getByLabel('Titel des Durchgangs').fill(fields.title);
    await form.getByLabel('Plätze', { exact: true }).fill(fields.capacity);
    await form.getByLabel('Anmeldung ab').fill(fields.opens);
    await form.getByLabel('Anmeldeschluss', { exact: true }).fill(fields.closes);
    await form.getByLabel('Abmeldung kostenfrei bis').fill(fields.cancellation);
    await form.getByLabel('Ort', { exact: true }).fill(fields.location);
    await choose(form.getByRole('group', { name: 'Anmeldungen bestätigen' }).getByLabel(new RegExp(`^${fields.approval},`)));
  }

  async function addSession(fields: { module?: string; day: number; from: string; to: string; location: string; trainer: string }): Promise<void> {
    const form = main().getByRole('form', { name: 'Termin hinzufügen' });
    if (fields.module) await form.getByLabel('Modul').selectOption({ label: fields.module });
    await form.getByLabel('Beginn').fill(berlinInput(fields.day, fields.from));
    await form.getByLabel('Ende').fill(berlinInput(fields.day, fields.to));
    await form.getByLabel('Ort', { exact: true }).fill(fields.location);
    await choose(form.getByRole('group', { name: 'Referent:innen' }).getByLabel(fields.trainer));
    await b.follow(() => form.getByRole('button', { name: 'Termin hinzufügen' }).click());
  }

  it('sets up the five-module series with a cohort, its sessions and trainers, and publishes it', async () => {
    const coordinator = await createUser(b.db, { role: 'coordinator', firstName: 'Katrin', lastName: 'Koordina' });
    await createUser(b.db, { role: 'trainer', firstName: 'Jana', lastName: 'Feldkamp' });
    await createUser(b.db, { role: 'trainer', firstName: 'Tobias', lastName: 'Großmann' });
    await b.logIn(b.page, coordinator);

    await createProgramme({
      kind: 'Qualifizierungsreihe',
      title: SERIES_TITLE,
      description: 'Fünf Module für Beschäftigte der Kommunalverwaltungen.',
      targetGroup: 'Beschäftigte des Landkreises und seiner Städte und Gemeinden',
      certificate: 'Zertifikat',
    });
    const programmePath = pathOf();

    const moduleForm = main().getByRole('form', { name: 'Modul hinzufügen' });
    for (const title of MODULE_TITLES) {
      await moduleForm.getByLabel('Titel', { exact: true }).fill(title);
      await moduleForm.getByLabel('Unterrichtseinheiten').fill('8');
      await b.follow(() => moduleForm.getByRole('button', { name: 'Modul hinzufügen' }).click());
      await expect(flash()).resolves.toContain('Das Modul wurde hinzugefügt.');
      // The form is empty again for the next module.
      await expect(moduleForm.getByLabel('Titel', { exact: true }).inputValue()).resolves.toBe('');
    }
    const moduleRows = main().getByRole('table', { name: 'Module' }).getByRole('row');
    await expect(moduleRows.count()).resolves.toBe(6);
    for (const [index, title] of MODULE_TITLES.entries()) {
      await expect(moduleRows.nth(index + 1).innerText()).resolves.toMatch(new RegExp(`^${index + 1}\\s+${title}\\s+8`));
    }

    // The offering: a first try with mistakes shows the error summary, focused, and keeps the input.
    await b.follow(() => main().getByRole('link', { name: 'Durchgang zu diesem Programm anlegen' }).click());
    await expect(main().getByLabel('Programm').locator('option:checked').innerText()).resolves.toBe(`${SERIES_TITLE} (Qualifizierungsreihe)`);
    await fillOffering({
      title: 'Durchgang 2026/27',
      capacity: '0',
      opens: berlinInput(-1, '08:00'),
      closes: berlinInput(-2, '12:00'),
      cancellation: berlinInput(20, '23:59'),
      location: 'Landratsamt, Großer Sitzungssaal',
      approval: 'Nein',
    });
    await b.follow(() => main().getByRole('button', { name: 'Durchgang anlegen' }).click());
    const summary = b.page.getByRole('alert');
    await expect(summary.and(focused()).count()).resolves.toBe(1);
    await expect(summary.innerText()).resolves.toContain('Bitte geben Sie eine Zahl ab 1 ein.');
    await expect(summary.innerText()).resolves.toContain('Der Anmeldeschluss muss nach dem Anmeldebeginn liegen.');
    await expect(main().getByLabel('Titel des Durchgangs').inputValue()).resolves.toBe('Durchgang 2026/27');
    await expect(main().getByLabel('Plätze', { exact: true }).getAttribute('aria-invalid')).resolves.toBe('true');
    // The summary's link leads to the field.
    await summary.getByRole('link', { name: 'Bitte geben Sie eine Zahl ab 1 ein.' }).click();
    await expect(main().getByLabel('Plätze', { exact: true }).and(focused()).count()).resolves.toBe(1);
    await b.page.keyboard.press('Control+A');
    await b.page.keyboard.type('16');
    await main().getByLabel('Anmeldeschluss', { exact: true }).fill(berlinInput(30, '12:00'));
    await b.follow(() => main().getByRole('button', { name: 'Durchgang anlegen' }).click());
    await expect(flash()).resolves.toContain('Der Durchgang wurde als Entwurf angelegt.');
    await expect(b.page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Durchgang 2026/27');
    const offeringPath = pathOf();

    // One session per module, every two weeks after registration closes.
    const trainers = ['Jana Feldkamp', 'Tobias Großmann'];
    for (const [index, title] of MODULE_TITLES.entries()) {
      await addSession({ module: `${index + 1}. ${title}`, day: 40 + 14 * index, from: '09:00', to: '16:30', location: `Landratsamt, Raum ${index + 1}.01`, trainer: trainers[index % 2]! });
      await expect(flash()).resolves.toContain('Der Termin wurde hinzugefügt.');
    }
    const sessionRows = main().getByRole('table', { name: 'Termine' }).getByRole('row');
    await expect(sessionRows.count()).resolves.toBe(6);
    await expect(sessionRows.nth(1).innerText()).resolves.toMatch(new RegExp(`${germanDate(40)}, 09:00 Uhr bis 16:30 Uhr\\s+1\\. ${MODULE_TITLES[0]}\\s+Landratsamt, Raum 1\\.01\\s+Jana Feldkamp`));
    await expect(sessionRows.nth(5).innerText()).resolves.toMatch(new RegExp(`${germanDate(96)}, 09:00 Uhr bis 16:30 Uhr\\s+5\\. ${MODULE_TITLES[4]}\\s+Landratsamt, Raum 5\\.01\\s+Jana Feldkamp`));

    await b.follow(() => main().getByRole('button', { name: 'Durchgang veröffentlichen' }).click());
    await expect(flash()).resolves.toContain('Der Durchgang wurde veröffentlicht.');
    await expect(main().getByRole('term').filter({ hasText: 'Status' }).locator('xpath=following-sibling::dd').innerText()).resolves.toBe('Veröffentlicht');
    expect(pathOf()).toBe(offeringPath);

    // The programme lists its offering; the public catalog shows it to anyone.
    await b.visit(programmePath);
    await expect(main().getByRole('table', { name: 'Durchgänge' }).innerText()).resolves.toContain('Durchgang 2026/27');
    const visitor = await b.newPage();
    await b.visit('/offerings', visitor);
    await b.follow(() => main(visitor).getByRole('link', { name: `${SERIES_TITLE} – Durchgang 2026/27` }).click(), visitor);
    const detail = await main(visitor).innerText();
    expect(detail).toContain('16 von 16 Plätzen frei');
    for (const title of MODULE_TITLES) expect(detail).toContain(title);
    expect(detail).toContain('Tobias Großmann');
  }, JOURNEY_TIMEOUT);

  it('sets up a workshop needing approval; a participant enrolls, the coordinator approves, raises capacity and enrolls a list', async () => {
    const organisation = await createOrganisation(b.db, { name: 'Gemeinde Musterhausen' });
    const coordinator = await createUser(b.db, { role: 'coordinator', firstName: 'Katrin', lastName: 'Koordina' });
    await createUser(b.db, { role: 'trainer', firstName: 'Jana', lastName: 'Feldkamp' });
    const participant = await createUser(b.db, { firstName: 'Lena', lastName: 'Schäfer', organisationId: organisation.id });
    const colleague = await createUser(b.db, { firstName: 'Murat', lastName: 'Yılmaz', organisationId: organisation.id });
    await b.logIn(b.page, coordinator);

    await createProgramme({
      kind: 'Workshop',
      title: WORKSHOP_TITLE,
      description: 'Eintägiger Workshop zur Fortbildung.',
      targetGroup: 'Beschäftigte mit Publikumsverkehr',
      certificate: 'Teilnahmebestätigung',
    });
    await expect(main().innerText()).resolves.toContain('Module gibt es nur bei Qualifizierungsreihen.');

    // Through the offerings list this time: the programme is chosen in the form.
    await b.follow(() => nav().getByRole('link', { name: 'Durchgänge & Termine' }).click());
    await b.follow(() => main().getByRole('link', { name: 'Durchgang anlegen' }).click());
    await main().getByLabel('Programm').selectOption({ label: `${WORKSHOP_TITLE} (Workshop)` });
    await fillOffering({
      title: 'Workshop Frühjahr',
      capacity: '1',
      opens: berlinInput(-1, '08:00'),
      closes: berlinInput(20, '12:00'),
      cancellation: berlinInput(15, '23:59'),
      location: 'Rathaus Musterhausen',
      approval: 'Ja',
    });
    await b.follow(() => main().getByRole('button', { name: 'Durchgang anlegen' }).click());
    await expect(flash()).resolves.toContain('Der Durchgang wurde als Entwurf angelegt.');
    // A workshop session has no module.
    await expect(main().getByRole('form', { name: 'Termin hinzufügen' }).getByLabel('Modul').count()).resolves.toBe(0);
    await addSession({ day: 30, from: '09:00', to: '16:00', location: 'Rathaus Musterhausen, Ratssaal', trainer: 'Jana Feldkamp' });
    await b.follow(() => main().getByRole('button', { name: 'Durchgang veröffentlichen' }).click());
    await expect(flash()).resolves.toContain('Der Durchgang wurde veröffentlicht.');
    const offeringPath = pathOf();

    // The participant finds the workshop in the catalog and asks for a seat.
    const person = await b.newPage();
    await b.logIn(person, participant);
    await b.follow(() => nav(person).getByRole('link', { name: 'Angebote' }).click(), person);
    await b.follow(() => main(person).getByRole('link', { name: `${WORKSHOP_TITLE} – Workshop Frühjahr` }).click(), person);
    await expect(main(person).innerText()).resolves.toContain('1 von 1 Plätzen frei');
    await b.follow(() => main(person).getByRole('button', { name: 'Verbindlich anmelden' }).click(), person);
    await expect(main(person).innerText()).resolves.toContain('Ihre Anmeldung wartet auf die Bestätigung durch die Koordination.');

    // The coordinator approves the request.
    await b.visit(offeringPath);
    await b.follow(() => main().getByRole('link', { name: 'Anmeldungen und Warteliste verwalten' }).click());
    const counts = main().getByRole('status').filter({ hasText: 'Plätzen bestätigt' });
    await expect(counts.innerText()).resolves.toBe('0 von 1 Plätzen bestätigt · 0 auf der Warteliste · 1 offen');
    await b.follow(() => main().getByRole('button', { name: 'Zulassen: Lena Schäfer' }).click());
    await expect(flash()).resolves.toContain('Die Anmeldung wurde zugelassen.');
    await expect(main().getByRole('row', { name: /Schäfer, Lena/ }).innerText()).resolves.toContain('bestätigt');

    // Capacity goes up from 1 to 3.
    await main().getByLabel('Plätze', { exact: true }).fill('3');
    await b.follow(() => main().getByRole('button', { name: 'Speichern' }).click());
    await expect(flash()).resolves.toContain('Die Kapazität ist jetzt 3.');
    await expect(main().getByLabel('Plätze', { exact: true }).inputValue()).resolves.toBe('3');

    // Bulk enrollment: one existing account and one new person, pasted from a spreadsheet.
    await b.follow(() => main().getByRole('link', { name: 'Mehrere Personen per Liste anmelden' }).click());
    await main().getByLabel('Liste einfügen').fill(`${colleague.email};Murat;Yılmaz;Gemeinde Musterhausen\nanna.beispiel@musterhausen.example;Anna;Beispiel;Gemeinde Musterhausen\n`);
    await b.follow(() => main().getByRole('button', { name: 'Liste prüfen' }).click());
    const preview = main().getByRole('table', { name: 'Was mit jeder Zeile der Liste geschieht' });
    await expect(preview.getByRole('row', { name: new RegExp(colleague.email) }).innerText()).resolves.toContain('wird angemeldet');
    await expect(preview.getByRole('row', { name: /anna\.beispiel@musterhausen\.example/ }).innerText()).resolves.toContain('neues Konto wird eingeladen und angemeldet');
    // Nothing is saved before the confirmation.
    expect(await b.db('enrollments').count({ count: '*' }).first()).toEqual({ count: 1 });
    await b.follow(() => main().getByRole('button', { name: 'Jetzt übernehmen' }).click());
    await expect(flash()).resolves.toContain('Liste übernommen: 2 Personen angemeldet (2 mit Platz, 0 auf der Warteliste), davon mit neuem Konto: 1.');
    expect(pathOf()).toBe(`${offeringPath}/enrollments`);
    const table = await main().getByRole('table').innerText();
    expect(table).toContain('Yılmaz, Murat');
    expect(table).toContain('Beispiel, Anna');
    await expect(counts.innerText()).resolves.toBe('3 von 3 Plätzen bestätigt · 0 auf der Warteliste · 0 offen');
    await b.deliverMail();
    expect(b.mailbox.some((mail) => mail.to === 'anna.beispiel@musterhausen.example')).toBe(true);
  }, JOURNEY_TIMEOUT);
});
