import { useTestApp, type TestContext } from '../support/app';
import { countQueries } from '../support/database';
import { createUser } from '../support/factories';
import { binaryParser, csrfTokenIn, loginAs, newAgent, submitForm, textOf } from '../support/http';
import { readPdf } from '../support/pdf';
import { dataCategories } from '../../src/privacy/categories';

/** The rows of the table with this id, each as its cells' text. */
function tableRows(html: string, id: string): string[][] {
  const table = html.match(new RegExp(`<table[^>]*id="${id}"[\\s\\S]*?</table>`))?.[0] ?? '';
  const body = table.match(/<tbody[\s\S]*?<\/tbody>/)?.[0] ?? '';
  return [...body.matchAll(/<tr[\s\S]*?<\/tr>/g)].map((row) => [...row[0].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => textOf(cell[1]!)));
}

const FEEDBACK = { name: 'Erika Sommerfeld', email: 'erika.sommerfeld@gemeinde.example', message: 'Der Kalender-Link ist mit dem Screenreader nicht erreichbar.' };

async function sendFeedback(ctx: TestContext, fields: Record<string, string>) {
  const agent = newAgent(ctx.app);
  return submitForm(agent, '/barrierefreiheit', '/barrierefreiheit', fields);
}

describe('legal pages with the texts an installation configures', () => {
  const ctx = useTestApp({
    CONTROLLER_NAME: 'Landkreis Wartburgtal',
    CONTROLLER_ADDRESS: 'Landratsamt, Marktplatz 1, 99999 Wartburgtal',
    CONTROLLER_CONTACT: 'poststelle@wartburgtal.example',
    DATA_PROTECTION_OFFICER: 'Datenschutzbeauftragte des Landkreises, datenschutz@wartburgtal.example',
    ACCESSIBILITY_STATEMENT_DATE: '2026-11-30',
    ACCESSIBILITY_ENFORCEMENT_URL: 'https://schlichtung.land.example/antrag',
    ACCESSIBILITY_FEEDBACK_EMAIL: 'barrierefreiheit@wartburgtal.example',
    SIGN_LANGUAGE_VIDEO_URL: 'https://video.example/kokoma-dgs',
    RETENTION_UNVERIFIED_DAYS: '14',
    RETENTION_FUNDING_YEARS: '10',
    SESSION_IDLE_MINUTES: '60',
  });

  it('the privacy notice names the configured controller and officer and lists every retention period as configured', async () => {
    const response = await newAgent(ctx.app).get('/datenschutz');
    expect(response.status).toBe(200);
    const text = textOf(response.text);
    expect(text).toContain('Datenschutzerklärung');
    expect(text).toContain('Landkreis Wartburgtal Landratsamt, Marktplatz 1, 99999 Wartburgtal poststelle@wartburgtal.example');
    expect(text).toContain('Datenschutzbeauftragte des Landkreises, datenschutz@wartburgtal.example');
    const rows = tableRows(response.text, 'retention');
    const byName = new Map(rows.map((row) => [row[0], row]));
    // Every category the installation keeps, none left out (categories.ts).
    expect(rows).toHaveLength(dataCategories(ctx.config).length);
    expect(byName.get('Nicht bestätigte Registrierungen')?.slice(3)).toEqual(['14 Tage', 'gelöscht']);
    expect(byName.get('Teilnahme- und Förderunterlagen')?.slice(3)).toEqual(['10 Jahre nach Ende des Jahres, in dem der Durchgang endete', 'gelöscht']);
    expect(byName.get('Benutzerkonten')?.[3]).toBe('3 Jahre nach der letzten Anmeldung, wenn keine Angabe zur Person mehr aufbewahrt werden muss');
    expect(byName.get('Benutzerkonten')?.[4]).toMatch(/^anonymisiert/);
    expect(byName.get('Protokoll')?.slice(3)).toEqual(['30 Tage', 'IP-Adressen gekürzt']);
    expect(byName.get('Zähler gegen Missbrauch')?.[3]).toBe('24 Stunden');
    expect(byName.get('Sitzungen')?.[3]).toBe('1 Stunde ohne Aktivität, spätestens 12 Stunden nach der Anmeldung');
    // Certificates are never deleted: they stay verifiable, without the name once the person is erased.
    expect(byName.get('Zertifikate und Teilnahmebestätigungen')?.slice(3)).toEqual([
      'solange die Bescheinigung nachprüfbar sein muss (dauerhaft)',
      'nach Löschung der Person bleibt die Bescheinigung prüfbar, ihr Name wird nicht mehr angezeigt',
    ]);
  });

  it('the accessibility statement shows its date, the known limits, the form and the configured enforcement body', async () => {
    const response = await newAgent(ctx.app).get('/barrierefreiheit');
    expect(response.status).toBe(200);
    const text = textOf(response.text);
    expect(text).toContain('Erklärung zur Barrierefreiheit');
    expect(text).toContain('Der Landkreis Wartburgtal ist bemüht');
    expect(text).toContain('teilweise mit der BITV 2.0 vereinbar');
    expect(text).toContain('noch nicht mit veraPDF oder PAC gegen PDF/UA geprüft');
    expect(text).toContain('Diese Erklärung wurde am 30.11.2026 erstellt.');
    expect(response.text).toContain('<a class="kern-link" href="https://schlichtung.land.example/antrag" id="enforcement-link">Zur Schlichtungsstelle</a>');
    expect(response.text).toMatch(/<label class="kern-label" for="field-email">Ihre E-Mail-Adresse<\/label>/);
    expect(response.text).toMatch(/<label class="kern-label" for="field-message">Ihre Nachricht<\/label>/);
  });

  it('feedback goes to the configured address only', async () => {
    await createUser(ctx.db, { role: 'coordinator', email: 'koordination@wartburgtal.example' });
    const response = await sendFeedback(ctx, FEEDBACK);
    expect(response.status).toBe(303);
    await ctx.deliverMail();
    expect(ctx.mailbox.map((mail) => mail.to)).toEqual(['barrierefreiheit@wartburgtal.example']);
    expect(ctx.mailbox[0]!.text).toContain(FEEDBACK.message);
  });

  it('the footer, the Leichte Sprache page and the statement link the sign-language video', async () => {
    const agent = newAgent(ctx.app);
    for (const url of ['/', '/leichte-sprache', '/barrierefreiheit', '/datenschutz']) {
      const response = await agent.get(url);
      expect(response.text).toContain('<a class="kern-link" href="https://video.example/kokoma-dgs">Gebärdensprache</a>');
    }
    expect(textOf((await agent.get('/leichte-sprache')).text)).toContain('Video in Gebärdensprache ansehen');
  });
});

describe('legal pages with the defaults', () => {
  const ctx = useTestApp();

  it('the privacy notice falls back to the region as controller and says whom to ask without an officer', async () => {
    const text = textOf((await newAgent(ctx.app).get('/datenschutz')).text);
    expect(text).toContain('Verantwortliche Stelle Landkreis Musterland');
    expect(text).toContain('Wenden Sie sich mit Fragen zum Datenschutz an die verantwortliche Stelle.');
    expect(text).toContain('an die Koordination im Landkreis Musterland');
  });

  it('every page links the statement and Leichte Sprache in its footer, but no sign-language video while none is configured', async () => {
    const agent = newAgent(ctx.app);
    for (const url of ['/', '/leichte-sprache', '/barrierefreiheit', '/impressum']) {
      const response = await agent.get(url);
      const footer = response.text.slice(response.text.indexOf('<footer'));
      expect(footer).toContain('<a class="kern-link" href="/barrierefreiheit">Barrierefreiheit</a>');
      expect(footer).toContain('<a class="kern-link" href="/leichte-sprache">Leichte Sprache</a>');
      expect(response.text).not.toMatch(/<a[^>]*>[^<]*Gebärdensprache[^<]*<\/a>/);
    }
  });

  it('the start page leads to the Leichte Sprache text, which explains the site in short sentences', async () => {
    const agent = newAgent(ctx.app);
    const start = await agent.get('/');
    const main = start.text.slice(start.text.indexOf('<main'), start.text.indexOf('</main>'));
    expect(main).toContain('<a class="kern-link" href="/leichte-sprache">Diese Seite in Leichter Sprache</a>');
    const page = await agent.get('/leichte-sprache');
    expect(page.status).toBe(200);
    const text = textOf(page.text);
    expect(text).toContain('Der Landkreis Musterland macht Kurse für Menschen, die in der Verwaltung arbeiten.');
    expect(text).toContain('Klicken Sie dafür auf: Registrieren.');
    // One idea per sentence: every sentence of the text is a paragraph of its own.
    const sentences = [...page.text.matchAll(/<p class="kern-body kern-body--large">([^<]*)<\/p>/g)].map((match) => match[1]!.trim());
    expect(sentences.length).toBeGreaterThan(20);
    for (const sentence of sentences) expect(sentence.split(/[.?!:]\s/).length).toBeLessThanOrEqual(2);
  });

  it('the feedback form refuses a missing message and a wrong address in German and keeps what was typed', async () => {
    const response = await sendFeedback(ctx, { name: 'Erika Sommerfeld', email: 'erika.sommerfeld', message: '' });
    expect(response.status).toBe(422);
    const text = textOf(response.text);
    expect(text).toContain('Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@gemeinde.de.');
    expect(text).toContain('Bitte füllen Sie dieses Feld aus.');
    expect(response.text).toContain('value="Erika Sommerfeld"');
    expect(response.text).toContain('value="erika.sommerfeld"');
    await ctx.deliverMail();
    expect(ctx.mailbox).toHaveLength(0);

    const tooLong = await sendFeedback(ctx, { ...FEEDBACK, message: `Langer Text ${'x'.repeat(5000)}` });
    expect(tooLong.status).toBe(422);
    expect(textOf(tooLong.text)).toContain('Höchstens 5000 Zeichen.');
    expect(tooLong.text).toContain('Langer Text xxxx');
  });

  it('feedback reaches every active coordinator by mail, in their language, and nobody else', async () => {
    await createUser(ctx.db, { role: 'coordinator', firstName: 'Claudia', lastName: 'Weißbach', email: 'claudia.weissbach@landkreis.example' });
    await createUser(ctx.db, { role: 'coordinator', firstName: 'Tomás', lastName: 'Ferreira', email: 'tomas.ferreira@landkreis.example', locale: 'en' });
    await createUser(ctx.db, { role: 'coordinator', email: 'ehemals@landkreis.example', active: false });
    await createUser(ctx.db, { role: 'admin', email: 'admin@landkreis.example' });
    await createUser(ctx.db, { role: 'participant', email: 'teilnehmerin@gemeinde.example' });

    const response = await sendFeedback(ctx, FEEDBACK);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/barrierefreiheit/gesendet');
    const sent = await newAgent(ctx.app).get('/barrierefreiheit/gesendet');
    expect(textOf(sent.text)).toContain('Ihre Nachricht ist an die Koordination gegangen.');

    await ctx.deliverMail();
    const byRecipient = new Map(ctx.mailbox.map((mail) => [mail.to, mail]));
    expect([...byRecipient.keys()].sort()).toEqual(['claudia.weissbach@landkreis.example', 'tomas.ferreira@landkreis.example']);
    const german = byRecipient.get('claudia.weissbach@landkreis.example')!;
    expect(german.subject).toBe('Rückmeldung zur Barrierefreiheit');
    expect(german.text).toContain('Guten Tag Claudia Weißbach,');
    expect(german.text).toContain('Von: Erika Sommerfeld <erika.sommerfeld@gemeinde.example>');
    expect(german.text).toContain(FEEDBACK.message);
    expect(byRecipient.get('tomas.ferreira@landkreis.example')!.subject).toBe('Feedback on accessibility');
  });

  it('a message without a name says so', async () => {
    await createUser(ctx.db, { role: 'coordinator' });
    expect((await sendFeedback(ctx, { name: '', email: FEEDBACK.email, message: FEEDBACK.message })).status).toBe(303);
    await ctx.deliverMail();
    expect(ctx.mailbox[0]!.text).toContain('Von: ohne Namen <erika.sommerfeld@gemeinde.example>');
  });

  it('an address may send five messages an hour; the sixth is refused', async () => {
    await createUser(ctx.db, { role: 'coordinator' });
    const agent = newAgent(ctx.app);
    const token = csrfTokenIn((await agent.get('/barrierefreiheit')).text);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      statuses.push((await agent.post('/barrierefreiheit').type('form').send({ ...FEEDBACK, _csrf: token })).status);
    }
    expect(statuses).toEqual([303, 303, 303, 303, 303, 429]);
    await ctx.deliverMail();
    expect(ctx.mailbox).toHaveLength(5);
  });

  it('the legal pages read nothing from the database for a visitor', async () => {
    const agent = newAgent(ctx.app);
    for (const url of ['/datenschutz', '/barrierefreiheit', '/leichte-sprache']) {
      expect(await countQueries(ctx.db, () => agent.get(url))).toBe(0);
    }
  });
});

describe('record of processing activities', () => {
  const ctx = useTestApp({ CONTROLLER_ADDRESS: 'Landratsamt, Am Anger 3, 99998 Musterstadt', DATA_PROTECTION_OFFICER: 'Herr Datenschutz, datenschutz@musterland.example' });

  it('admins see the record generated from the retention categories, with the controller', async () => {
    const admin = await createUser(ctx.db, { role: 'admin' });
    const agent = await loginAs(ctx.app, admin);
    const response = await agent.get('/admin/processing');
    expect(response.status).toBe(200);
    const text = textOf(response.text);
    expect(text).toContain('Verzeichnis von Verarbeitungstätigkeiten');
    expect(text).toContain('Landratsamt, Am Anger 3, 99998 Musterstadt');
    expect(text).toContain('Herr Datenschutz, datenschutz@musterland.example');
    const rows = tableRows(response.text, 'activities');
    expect(rows).toHaveLength(dataCategories(ctx.config).length);
    const registrations = rows.find((row) => row[0] === 'Nicht bestätigte Registrierungen')!;
    expect(registrations[6]).toBe('7 Tage');
    expect(registrations[5]).toBe('Art. 6 Abs. 1 lit. e DSGVO');
    // Session and user lookup only: the record is built from configuration.
    expect(await countQueries(ctx.db, () => agent.get('/admin/processing'))).toBeLessThanOrEqual(2);
  });

  it('the record downloads as a tagged German PDF with every activity and its period', async () => {
    const admin = await createUser(ctx.db, { role: 'admin', locale: 'en' });
    const agent = await loginAs(ctx.app, admin);
    const response = await agent.get('/admin/processing.pdf').buffer(true).parse(binaryParser);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['content-disposition']).toContain('Verzeichnis-von-Verarbeitungstaetigkeiten.pdf');
    const body = response.body as Buffer;
    expect(body.includes(Buffer.from('/StructTreeRoot'))).toBe(true);
    const pdf = await readPdf(body);
    expect(pdf.info.Title).toBe('Verzeichnis von Verarbeitungstätigkeiten');
    const text = pdf.text.replace(/\s+/g, ' ');
    expect(text).toContain('Landkreis Musterland');
    expect(text).toContain('Landratsamt, Am Anger 3, 99998 Musterstadt');
    for (const name of ['Benutzerkonten', 'Nicht bestätigte Registrierungen', 'Teilnahme- und Förderunterlagen', 'Protokoll', 'Einmal-Links', 'Sitzungen', 'Zähler gegen Missbrauch', 'Ausgehende E-Mails']) {
      expect(text).toContain(name);
    }
    expect(text).toContain('5 Jahre nach Ende des Jahres, in dem der Durchgang endete');
    expect(text).toContain(`Seite 1 von ${pdf.pages}`);
  });

  it('coordinators may not open it', async () => {
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    const agent = await loginAs(ctx.app, coordinator);
    expect((await agent.get('/admin/processing')).status).toBe(403);
    expect((await agent.get('/admin/processing.pdf')).status).toBe(403);
  });
});
