import { useBrowserApp } from '../support/browser';
import { createOffering } from '../support/catalog-factories';
import { createUser } from '../support/factories';

describe('enrollment in the browser', () => {
  const b = useBrowserApp();


  it('a participant takes the last seat, the next one waits, and moves up when the first cancels', async () => {
    const offering = await createOffering(b.db, { capacity: 1, title: 'Workshop Winter', cancellationDeadlineInDays: 20 });
    const first = await createUser(b.db, { firstName: 'Lena', lastName: 'Schäfer' });
    const second = await createUser(b.db, { firstName: 'Murat', lastName: 'Yılmaz' });

    // An anonymous visitor finds the offering in the catalog and is asked to log in.
    await b.visit('/offerings');
    await b.follow(() => b.page.getByRole('link', { name: /Workshop Winter/ }).click());
    await b.follow(() => b.page.getByRole('main').getByRole('link', { name: 'Anmelden' }).click());
    expect(new URL(b.page.url()).search).toBe(`?next=%2Fofferings%2F${offering.id}`);
    await b.page.getByLabel('E-Mail-Adresse').fill(first.email);
    await b.page.getByLabel('Passwort', { exact: true }).fill(first.password);
    await b.follow(() => b.page.getByRole('button', { name: 'Anmelden' }).click());
    expect(new URL(b.page.url()).pathname).toBe(`/offerings/${offering.id}`);
    await expect(b.page.getByRole('main').innerText()).resolves.toContain('1 von 1 Plätzen frei');
    await b.follow(() => b.page.getByRole('button', { name: 'Verbindlich anmelden' }).click());
    await expect(b.page.getByRole('status').first().innerText()).resolves.toContain('Sie sind angemeldet.');
    await expect(b.page.getByRole('main').innerText()).resolves.toContain('Ihr Platz ist bestätigt.');

    const secondPage = await b.newPage();
    await b.logIn(secondPage, second);
    await b.visit(`/offerings/${offering.id}`, secondPage);
    await expect(secondPage.getByRole('main').innerText()).resolves.toContain('0 von 1 Plätzen frei');
    await b.follow(() => secondPage.getByRole('button', { name: 'Auf die Warteliste' }).click(), secondPage);
    await expect(secondPage.getByRole('main').innerText()).resolves.toContain('Sie stehen auf der Warteliste (Platz 1).');

    // The first person cancels; the waiting person gets the seat and an e-mail.
    await b.follow(() => b.page.getByRole('button', { name: 'Von diesem Angebot abmelden' }).click());
    // A confirmation page first says what happens to the seat.
    await expect(b.page.getByRole('main').innerText()).resolves.toContain('geht an die erste Person auf der Warteliste');
    await b.follow(() => b.page.getByRole('button', { name: 'Ja, abmelden' }).click());
    await expect(b.page.getByRole('status').first().innerText()).resolves.toContain('Sie sind abgemeldet.');
    await b.visit(`/offerings/${offering.id}`, secondPage);
    await expect(secondPage.getByRole('main').innerText()).resolves.toContain('Ihr Platz ist bestätigt.');
    await b.deliverMail();
    expect(b.mailbox.some((mail) => mail.to === second.email && mail.subject === 'Sie haben einen Platz: Workshop Winter')).toBe(true);

    await b.visit('/my/dates', secondPage);
    await expect(secondPage.getByRole('main').innerText()).resolves.toContain('Workshop Winter: bestätigt');
  });
});
