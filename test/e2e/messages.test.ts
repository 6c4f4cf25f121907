import { useBrowserApp } from '../support/browser';
import { createOffering } from '../support/catalog-factories';
import { createUser } from '../support/factories';

describe('messages from coordinators in the browser', () => {
  const b = useBrowserApp();

  it('a coordinator writes to the participants of an offering, previews, sends and sees the delivery', async () => {
    const offering = await createOffering(b.db, { title: 'Workshop Frühling' });
    const people = [await createUser(b.db, { firstName: 'Lena', lastName: 'Schäfer' }), await createUser(b.db, { firstName: 'Murat', lastName: 'Yılmaz' })];
    for (const person of people) await b.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
    const coordinator = await createUser(b.db, { role: 'coordinator' });
    await b.logIn(b.page, coordinator);

    await b.visit(`/manage/offerings/${offering.id}`);
    await b.follow(() => b.page.getByRole('link', { name: 'Nachricht schreiben' }).click());
    // Without a group the form comes back with the error summary, the text kept.
    await b.page.getByLabel('Betreff').fill('Neuer Raum');
    await b.page.getByLabel('Text').fill('Wir treffen uns im Saal 2.\n\nBis bald!');
    await b.follow(() => b.page.getByRole('button', { name: 'Vorschau ansehen' }).click());
    await expect(b.page.getByRole('alert').innerText()).resolves.toContain('Bitte wählen Sie mindestens eine Empfängergruppe aus.');
    await expect(b.page.getByLabel('Text').inputValue()).resolves.toBe('Wir treffen uns im Saal 2.\n\nBis bald!');

    await b.page.getByRole('group', { name: 'An wen geht die Nachricht?' }).getByLabel(/Bestätigte Teilnehmende/).check();
    await b.follow(() => b.page.getByRole('button', { name: 'Vorschau ansehen' }).click());
    await expect(b.page.getByRole('status').first().innerText()).resolves.toContain('Die Nachricht geht an 2 Personen.');
    await expect(b.page.locator('#mail-preview').innerText()).resolves.toContain('Wir treffen uns im Saal 2.');

    await b.follow(() => b.page.getByRole('button', { name: 'An 2 Personen senden' }).click());
    await b.deliverMail();
    expect(b.mailbox.map((mail) => mail.to).sort()).toEqual(people.map((person) => person.email).sort());
    // While sending, the page offers "Aktualisieren"; once delivered it shows the result (reloaded here either way).
    expect(new URL(b.page.url()).pathname).toMatch(new RegExp(`^/manage/offerings/${offering.id}/messages/\\d+$`));
    await b.visit(new URL(b.page.url()).pathname);
    await expect(b.page.locator('#progress').innerText()).resolves.toContain('2 von 2 zugestellt');

    await b.visit(`/manage/offerings/${offering.id}`);
    await expect(b.page.locator('#message-progress').innerText()).resolves.toContain('2 von 2 zugestellt');
  });
});
