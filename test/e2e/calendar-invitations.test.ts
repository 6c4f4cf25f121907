import { useBrowserApp } from '../support/browser';
import { createOffering } from '../support/catalog-factories';
import { createUser } from '../support/factories';

describe('calendar invitations in the browser', () => {
  const b = useBrowserApp();

  it('a coordinator moves a session to another room and deletes another after confirming; the people with a seat are told', async () => {
    const offering = await createOffering(b.db, { title: 'Workshop Winter', sessions: 2, startsInDays: 40 });
    const participant = await createUser(b.db, { firstName: 'Lena', lastName: 'Schäfer' });
    await b.db('enrollments').insert({ offering_id: offering.id, user_id: participant.id, status: 'confirmed', confirmed_at: new Date() });
    const coordinator = await createUser(b.db, { role: 'coordinator' });
    await b.logIn(b.page, coordinator);

    await b.visit(`/manage/offerings/${offering.id}/sessions/${offering.sessionIds[0]}/edit`);
    await expect(b.page.getByRole('main').innerText()).resolves.toContain('erhalten alle mit Platz eine E-Mail mit der Änderung');
    await b.page.getByLabel('Ort', { exact: true }).fill('Rathaus, Raum 2');
    await b.follow(() => b.page.getByRole('button', { name: 'Speichern' }).click());

    await b.follow(() => b.page.getByRole('link', { name: /^Termin am .* löschen$/ }).last().click());
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Termin löschen');
    await expect(b.page.getByRole('main').innerText()).resolves.toContain('1 Person hat einen Platz.');
    await b.follow(() => b.page.getByRole('button', { name: 'Ja, Termin löschen' }).click());
    await expect(b.page.getByRole('status').first().innerText()).resolves.toContain('Der Termin wurde gelöscht.');

    await b.deliverMail();
    expect(b.mailbox.map((mail) => [mail.to, mail.subject, mail.calendar?.method])).toEqual([
      [participant.email, 'Terminänderung: Workshop Winter', 'REQUEST'],
      [participant.email, 'Termin abgesagt: Workshop Winter', 'CANCEL'],
    ]);
  });
});
