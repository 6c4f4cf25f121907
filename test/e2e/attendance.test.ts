import { useBrowserApp } from '../support/browser';
import { createOffering } from '../support/catalog-factories';
import { createUser } from '../support/factories';

describe('attendance in the browser', () => {
  const b = useBrowserApp();


  async function sessionStartingSoon() {
    const trainer = await createUser(b.db, { role: 'trainer', firstName: 'Jana', lastName: 'Feldkamp' });
    // Starts in ten minutes: check-in is open from 30 minutes before.
    const offering = await createOffering(b.db, { startsInDays: 10 / (24 * 60), registrationClosesInDays: -0.1, trainerIds: [trainer.id], title: 'Workshop Winter' });
    const people = [];
    for (const [firstName, lastName] of [['Lena', 'Schäfer'], ['Murat', 'Yılmaz'], ['Ines', 'Brückner']]) {
      const person = await createUser(b.db, { firstName, lastName });
      await b.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
      people.push(person);
    }
    return { trainer, offering, sessionId: offering.sessionIds[0]!, people };
  }

  it('a trainer takes the roll call with the keyboard alone', async () => {
    const { trainer, sessionId, people } = await sessionStartingSoon();
    await b.logIn(b.page, trainer);
    await b.follow(() => b.page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Anwesenheit' }).click());
    await b.follow(() => b.page.getByRole('link', { name: 'Anwesenheit erfassen' }).click());
    expect(new URL(b.page.url()).pathname).toBe(`/attendance/sessions/${sessionId}`);

    // One choice per person: type the first letters of a status, Tab moves to the next person.
    await b.page.getByLabel('Brückner, Ines').focus();
    await b.page.keyboard.type('anw'); // "anwesend"
    await b.page.keyboard.press('Tab');
    await b.page.keyboard.type('v'); // second person: "verspätet"
    await b.page.keyboard.press('Tab');
    await b.page.keyboard.type('u'); // third person: "unentschuldigt"
    await b.page.keyboard.press('Tab'); // the save button
    await b.follow(() => b.page.keyboard.press('Enter'));
    await expect(b.page.getByRole('status').first().innerText()).resolves.toContain('Gespeichert: 3 Änderungen.');

    const records = await b.db('attendance_records').where('session_id', sessionId);
    const byName = Object.fromEntries(records.map((row) => [people.find((person) => person.id === row.user_id)!.lastName, row.status]));
    // People are listed by last name: Brückner, Schäfer, Yılmaz.
    expect(byName).toEqual({ Brückner: 'present', Schäfer: 'late', Yılmaz: 'absent' });

    // After the session the signed paper list comes back as a scan.
    const scan = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    await b.page.getByLabel('Scan der unterschriebenen Liste').setInputFiles({ name: 'Unterschriften Müllheim.pdf', mimeType: 'application/pdf', buffer: scan });
    await b.follow(() => b.page.getByRole('button', { name: 'Liste hochladen' }).click());
    await expect(b.page.getByRole('status').first().innerText()).resolves.toContain('Die unterschriebene Liste „Unterschriften Müllheim.pdf“ wurde hochgeladen.');
    await expect(b.page.getByRole('table', { name: /Hochgeladene unterschriebene Listen/ }).getByRole('link', { name: 'Unterschriften Müllheim.pdf' }).isVisible()).resolves.toBe(true);
    expect(await b.db('signed_sheets').where('session_id', sessionId).select('original_name', 'uploaded_by')).toEqual([{ original_name: 'Unterschriften Müllheim.pdf', uploaded_by: trainer.id }]);
  });

  it('participants check in by the code on the trainer’s screen', async () => {
    const { trainer, sessionId, people } = await sessionStartingSoon();
    await b.logIn(b.page, trainer);
    await b.visit(`/attendance/sessions/${sessionId}/check-in`);
    await b.follow(() => b.page.getByRole('button', { name: 'Check-in öffnen' }).click());
    await expect(b.page.getByRole('img', { name: /QR-Code für den Check-in/ }).isVisible()).resolves.toBe(true);
    const code = (await b.page.locator('.app-check-in__code').innerText()).trim();
    const checkInUrl = (await b.page.getByText(/\/check-in\?code=/).innerText()).trim();
    expect(checkInUrl).toContain(code);

    // Scanning the QR code opens the check-in URL; the person logs in and confirms.
    const phone = await b.newPage();
    await b.follow(() => phone.goto(checkInUrl.replace(/^https?:\/\/[^/]+/, b.origin)), phone);
    expect(new URL(phone.url()).pathname).toBe('/login');
    await phone.getByLabel('E-Mail-Adresse').fill(people[0]!.email);
    await phone.getByLabel('Passwort', { exact: true }).fill(people[0]!.password);
    await b.follow(() => phone.getByRole('button', { name: 'Anmelden' }).click(), phone);
    await expect(phone.getByLabel('Check-in-Code').inputValue()).resolves.toBe(code);
    await b.follow(() => phone.getByRole('button', { name: 'Einchecken' }).click(), phone);
    await expect(phone.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Sie sind eingecheckt');

    // A colleague without a seat types the code and is told so.
    const stranger = await createUser(b.db, { firstName: 'Uwe', lastName: 'Grünewald' });
    const other = await b.newPage();
    await b.logIn(other, stranger);
    await b.visit('/check-in', other);
    await other.getByLabel('Check-in-Code').fill(code.toLowerCase());
    await b.follow(() => other.getByRole('button', { name: 'Einchecken' }).click(), other);
    await expect(other.getByRole('alert').innerText()).resolves.toContain('Sie sind für diesen Termin nicht angemeldet');

    await b.visit(`/attendance/sessions/${sessionId}/check-in`);
    await expect(b.page.getByRole('main').innerText()).resolves.toContain('Anwesend: 1 von 3');
    expect(await b.db('attendance_records').where('session_id', sessionId)).toHaveLength(1);
  });
});
