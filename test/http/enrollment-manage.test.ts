import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createOrganisation, createUser, type TestUser } from '../support/factories';
import { errorSummaryText, fieldErrorText, inputValue, selectOptions } from '../support/html';
import { loginAs, newAgent, submitForm, textOf, type Agent } from '../support/http';

type EnrollmentRow = { id: number; offering_id: number; user_id: number; status: string; decided_by: number | null };

describe('coordinators manage enrollments', () => {
  const ctx = useTestApp();
  let coordinator: TestUser;
  let agent: Agent;

  beforeEach(async () => {
    coordinator = await createUser(ctx.db, { role: 'coordinator', firstName: 'Clara', lastName: 'Koordina' });
    agent = await loginAs(ctx.app, coordinator);
  });

  const page = (offeringId: number) => `/manage/offerings/${offeringId}/enrollments`;
  const movePage = (offeringId: number, enrollmentId: number) => `/manage/offerings/${offeringId}/enrollments/${enrollmentId}/move`;
  const enrollmentsTable = (): Promise<EnrollmentRow[]> => ctx.db('enrollments').orderBy('id');
  const subjects = () => ctx.mailbox.map((mail) => `${mail.to} | ${mail.subject}`);
  const capacityOf = async (offeringId: number) => ((await ctx.db('offerings').where('id', offeringId).first()) as { capacity: number }).capacity;

  /** Puts people into an offering in this order (requested one second apart). */
  async function seat(offeringId: number, people: TestUser[], status: 'confirmed' | 'waitlisted' | 'pending'): Promise<number[]> {
    const ids: number[] = [];
    for (const person of people) {
      const [row] = await ctx
        .db('enrollments')
        .insert({ offering_id: offeringId, user_id: person.id, status, confirmed_at: status === 'confirmed' ? new Date() : null, requested_at: ctx.db.raw("clock_timestamp() + (? * interval '1 second')", [ids.length]) })
        .returning('id');
      ids.push((row as { id: number }).id);
    }
    return ids;
  }

  async function people(count: number, prefix = 'person'): Promise<TestUser[]> {
    const result: TestUser[] = [];
    for (let index = 0; index < count; index += 1) result.push(await createUser(ctx.db, { email: `${prefix}${index}@gemeinde.example` }));
    return result;
  }

  const statusesOf = async (offeringId: number) =>
    Object.fromEntries(((await ctx.db('enrollments').where('offering_id', offeringId).orderBy('id')) as EnrollmentRow[]).map((row) => [row.user_id, row.status]));

  it('lists the enrollments with counts, organisation and waitlist places', async () => {
    const offering = await createOffering(ctx.db, { title: 'Workshop Frühjahr', capacity: 2 });
    const organisation = await createOrganisation(ctx.db, { name: 'Stadt Ahornfeld' });
    const confirmed = await createUser(ctx.db, { firstName: 'Lena', lastName: 'Schäfer', organisationId: organisation.id });
    const other = await createUser(ctx.db, { firstName: 'Jonas', lastName: 'Becker' });
    const waiting = await people(2, 'wartend');
    await seat(offering.id, [confirmed, other], 'confirmed');
    await seat(offering.id, waiting, 'waitlisted');

    const response = await agent.get(page(offering.id));
    expect(response.status).toBe(200);
    const text = textOf(response.text);
    expect(text).toContain('Anmeldungen: Workshop Frühjahr');
    expect(text).toContain('2 von 2 Plätzen bestätigt · 2 auf der Warteliste · 0 offen');
    expect(text).toContain('Schäfer, Lena');
    expect(text).toContain('Stadt Ahornfeld');
    expect(text).toContain(`${waiting[1]!.email} Gemeinde Testhausen`);
    expect(text).toMatch(new RegExp(`${waiting[1]!.email.replace('.', '\\.')} .*? Warteliste \\(Platz 2\\)`));

    // Administrators may do the same.
    const admin = await loginAs(ctx.app, await createUser(ctx.db, { role: 'admin' }));
    expect((await admin.get(page(offering.id))).status).toBe(200);
    expect((await agent.get(page(999999))).status).toBe(404);
  });

  describe('enrolling by hand', () => {
    it('enrolls a person by e-mail address, also outside the registration window and without approval', async () => {
      const offering = await createOffering(ctx.db, { title: 'Fachtag Neutralität', requiresApproval: true, registrationClosesInDays: -1 });
      const person = await createUser(ctx.db, { email: 'mia.wolf@birkenau.example' });

      const response = await submitForm(agent, page(offering.id), page(offering.id), { email: '  Mia.Wolf@Birkenau.example ' });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe(page(offering.id));
      // Found regardless of case and surrounding spaces.
      expect(textOf((await agent.get(page(offering.id))).text)).toContain('Mia.Wolf@Birkenau.example ist angemeldet.');

      const rows = await enrollmentsTable();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ offering_id: offering.id, user_id: person.id, status: 'confirmed', decided_by: coordinator.id });
      await ctx.deliverMail();
      expect(subjects()).toEqual(['mia.wolf@birkenau.example | Anmeldung bestätigt: Fachtag Neutralität']);
      expect(await ctx.db('audit_events').where({ action: 'enrollment.created_by_coordinator', actor_user_id: coordinator.id })).toHaveLength(1);
    });

    it('puts the person on the waitlist when the offering is full', async () => {
      const offering = await createOffering(ctx.db, { title: 'Workshop Sommer', capacity: 1 });
      await seat(offering.id, await people(1), 'confirmed');
      const person = await createUser(ctx.db, { email: 'spaet@gemeinde.example' });

      expect((await submitForm(agent, page(offering.id), page(offering.id), { email: person.email })).status).toBe(303);
      expect(textOf((await agent.get(page(offering.id))).text)).toContain('Alle Plätze sind vergeben: spaet@gemeinde.example steht auf der Warteliste (Platz 1).');
      expect((await statusesOf(offering.id))[person.id]).toBe('waitlisted');
      await ctx.deliverMail();
      expect(subjects()).toEqual(['spaet@gemeinde.example | Warteliste: Workshop Sommer']);
    });

    it('shows a field error for unknown, deactivated or malformed addresses and changes nothing', async () => {
      const offering = await createOffering(ctx.db);
      await seat(offering.id, await people(1), 'confirmed');
      await createUser(ctx.db, { email: 'ausgeschieden@gemeinde.example', active: false });
      const before = await enrollmentsTable();

      const cases: [string, string][] = [
        ['niemand@gemeinde.example', 'Zu dieser E-Mail-Adresse gibt es kein aktives Konto.'],
        ['ausgeschieden@gemeinde.example', 'Zu dieser E-Mail-Adresse gibt es kein aktives Konto.'],
        ['keine-adresse', 'Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@gemeinde.de.'],
        ['', 'Bitte füllen Sie dieses Feld aus.'],
      ];
      for (const [email, message] of cases) {
        const response = await submitForm(agent, page(offering.id), page(offering.id), { email });
        expect(response.status).toBe(422);
        expect(fieldErrorText(response.text, 'email')).toBe(message);
        expect(errorSummaryText(response.text)).toContain(message);
        expect(inputValue(response.text, 'email')).toBe(email);
        // The page is still the full list, not a bare error.
        expect(textOf(response.text)).toContain('1 von 10 Plätzen bestätigt');
      }
      expect(await enrollmentsTable()).toEqual(before);
      await ctx.deliverMail();
      expect(ctx.mailbox).toEqual([]);
    });

    it('refuses people who are already enrolled and cancelled offerings', async () => {
      const offering = await createOffering(ctx.db, { title: 'Workshop Herbst' });
      const cancelled = await createOffering(ctx.db, { status: 'cancelled' });
      const [person] = await people(1);
      await seat(offering.id, [person!], 'waitlisted');
      const before = await enrollmentsTable();

      const twice = await submitForm(agent, page(offering.id), page(offering.id), { email: person!.email });
      expect(twice.status).toBe(409);
      expect(textOf(twice.text)).toContain('bereits angemeldet');
      const intoCancelled = await submitForm(agent, page(cancelled.id), page(cancelled.id), { email: person!.email });
      expect(intoCancelled.status).toBe(409);
      expect(textOf(intoCancelled.text)).toContain('Dieses Angebot wurde abgesagt');
      expect(await enrollmentsTable()).toEqual(before);
      await ctx.deliverMail();
      expect(ctx.mailbox).toEqual([]);
    });
  });

  describe('cancelling a person', () => {
    it('cancels the enrollment, moves the first waiting person up and mails both', async () => {
      const offering = await createOffering(ctx.db, { title: 'Workshop Herbst', capacity: 2, cancellationDeadlineInDays: -1 });
      const confirmed = await people(2, 'fest');
      const waiting = await people(2, 'wartend');
      const [leaving] = await seat(offering.id, confirmed, 'confirmed');
      await seat(offering.id, waiting, 'waitlisted');

      // The participant's own deadline has passed; the coordination can still cancel.
      const response = await submitForm(agent, page(offering.id), `/manage/enrollments/${leaving}/cancel`, { offeringId: String(offering.id) });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe(page(offering.id));
      const list = textOf((await agent.get(page(offering.id))).text);
      expect(list).toContain('Die Person wurde abgemeldet.');
      expect(list).toContain('2 von 2 Plätzen bestätigt · 1 auf der Warteliste · 0 offen');

      expect(await statusesOf(offering.id)).toEqual({ [confirmed[0]!.id]: 'cancelled', [confirmed[1]!.id]: 'confirmed', [waiting[0]!.id]: 'confirmed', [waiting[1]!.id]: 'waitlisted' });
      await ctx.deliverMail();
      expect(subjects()).toEqual([`${confirmed[0]!.email} | Abmeldung: Workshop Herbst`, `${waiting[0]!.email} | Sie haben einen Platz: Workshop Herbst`]);

      const again = await submitForm(agent, page(offering.id), `/manage/enrollments/${leaving}/cancel`, { offeringId: String(offering.id) });
      expect(again.status).toBe(409);
      expect(textOf(again.text)).toContain('Diese Anmeldung ist nicht mehr aktiv.');
      expect((await submitForm(agent, page(offering.id), '/manage/enrollments/999999/cancel', { offeringId: String(offering.id) })).status).toBe(404);
    });
  });

  describe('moving a person to another offering', () => {
    async function twoOfferingsOfOneProgramme(sourceCapacity = 1, targetCapacity = 10) {
      const programme = await createProgramme(ctx.db, { title: 'Umgang mit extremistischen Gruppierungen' });
      const source = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop März', capacity: sourceCapacity });
      const target = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop Juni', capacity: targetCapacity, startsInDays: 90 });
      return { programme, source, target };
    }

    it('moves the person, frees the seat for the first waiting person and mails both', async () => {
      const { source, target } = await twoOfferingsOfOneProgramme();
      await createOffering(ctx.db, { title: 'Anderes Programm' });
      const [mover] = await people(1, 'umzug');
      const waiting = await people(2, 'wartend');
      const [moving] = await seat(source.id, [mover!], 'confirmed');
      await seat(source.id, waiting, 'waitlisted');

      // The list links to a move page per person instead of carrying every offering in every row.
      const list = await agent.get(page(source.id));
      expect(list.text).not.toContain('name="targetOfferingId"');
      const moveLinks = [...list.text.matchAll(/<a class="kern-link" href="([^"]+\/move)" aria-label="Umbuchen: ([^"]+)">/g)].map((match) => [match[1], match[2]]);
      expect(moveLinks).toEqual([
        [movePage(source.id, moving!), `Erika ${mover!.lastName}`],
        ...waiting.map((person) => [expect.stringMatching(/\/move$/), `Erika ${person.lastName}`]),
      ]);

      const movePageResponse = await agent.get(movePage(source.id, moving!));
      expect(movePageResponse.status).toBe(200);
      expect(textOf(movePageResponse.text)).toContain(`Umbuchen: Erika ${mover!.lastName}`);
      expect(textOf(movePageResponse.text)).toContain(`${mover!.email} · In diesem Durchgang: bestätigt`);
      // Only offerings of the same programme are offered as targets.
      expect(selectOptions(movePageResponse.text, 'targetOfferingId')).toEqual([
        { value: '', label: 'Bitte wählen', selected: false },
        { value: String(target.id), label: 'Workshop Juni', selected: false },
      ]);

      const response = await submitForm(agent, movePage(source.id, moving!), `/manage/offerings/${source.id}/enrollments/${moving}/move`, { targetOfferingId: String(target.id) });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe(page(source.id));
      expect(textOf((await agent.get(page(source.id))).text)).toContain('Die Person wurde umgebucht und hat dort einen Platz.');

      expect(await statusesOf(source.id)).toEqual({ [mover!.id]: 'cancelled', [waiting[0]!.id]: 'confirmed', [waiting[1]!.id]: 'waitlisted' });
      expect(await statusesOf(target.id)).toEqual({ [mover!.id]: 'confirmed' });
      await ctx.deliverMail();
      // The seat left behind is taken out of the mover's calendar in a mail of its own.
      expect(subjects()).toEqual([
        `${mover!.email} | Umbuchung: Workshop März`,
        `${mover!.email} | Anmeldung bestätigt: Workshop Juni`,
        `${waiting[0]!.email} | Sie haben einen Platz: Workshop März`,
      ]);
      expect(await ctx.db('audit_events').where({ action: 'enrollment.moved', actor_user_id: coordinator.id })).toHaveLength(1);
    });

    it('puts the moved person on the target waitlist when it is full', async () => {
      const { source, target } = await twoOfferingsOfOneProgramme(5, 1);
      await seat(target.id, await people(1, 'ziel'), 'confirmed');
      const [mover] = await people(1, 'umzug');
      const [moving] = await seat(source.id, [mover!], 'confirmed');

      const response = await submitForm(agent, page(source.id), `/manage/offerings/${source.id}/enrollments/${moving}/move`, { targetOfferingId: String(target.id) });
      expect(response.status).toBe(303);
      expect(textOf((await agent.get(page(source.id))).text)).toContain('Die Person wurde umgebucht und steht dort auf der Warteliste (Platz 1).');
      expect((await statusesOf(target.id))[mover!.id]).toBe('waitlisted');
      await ctx.deliverMail();
      expect(subjects()).toEqual([`${mover!.email} | Umbuchung: Workshop März`, `${mover!.email} | Warteliste: Workshop Juni`]);
    });

    it('refuses other programmes, the same offering and a target the person is already in, changing nothing', async () => {
      const { source, target } = await twoOfferingsOfOneProgramme(1);
      const elsewhere = await createOffering(ctx.db, { title: 'Anderes Programm' });
      const [mover] = await people(1, 'umzug');
      const waiting = await people(1, 'wartend');
      const [moving] = await seat(source.id, [mover!], 'confirmed');
      await seat(source.id, waiting, 'waitlisted');
      await seat(target.id, [mover!], 'waitlisted');
      const before = await enrollmentsTable();
      const move = (targetOfferingId: string) => submitForm(agent, page(source.id), `/manage/offerings/${source.id}/enrollments/${moving}/move`, { targetOfferingId });

      // A refused move shows the move page again, in German, with the offering chosen.
      const otherProgramme = await move(String(elsewhere.id));
      expect(otherProgramme.status).toBe(422);
      expect(errorSummaryText(otherProgramme.text)).toContain('Personen können nur in einen Durchgang desselben Programms umgebucht werden.');
      expect(fieldErrorText(otherProgramme.text, 'targetOfferingId')).toBe('Personen können nur in einen Durchgang desselben Programms umgebucht werden.');
      expect(textOf(otherProgramme.text)).toContain(`Umbuchen: Erika ${mover!.lastName}`);
      expect(selectOptions(otherProgramme.text, 'targetOfferingId').map((option) => option.label)).toEqual(['Bitte wählen', 'Workshop Juni']);

      const same = await move(String(source.id));
      expect(same.status).toBe(422);
      expect(errorSummaryText(same.text)).toContain('Die Person ist bereits in diesem Durchgang.');

      // Already waiting there: the move is undone as a whole, the seat in the source stays.
      const alreadyThere = await move(String(target.id));
      expect(alreadyThere.status).toBe(409);
      expect(textOf(alreadyThere.text)).toContain('bereits angemeldet');

      expect((await move('999999')).status).toBe(404);
      const nothingChosen = await move('');
      expect(nothingChosen.status).toBe(422);
      expect(fieldErrorText(nothingChosen.text, 'targetOfferingId')).toBe('Bitte wählen Sie einen Eintrag aus.');
      const chosenKept = await move(String(target.id) + 'x');
      expect(chosenKept.status).toBe(422);
      expect(textOf(chosenKept.text)).toContain(`Umbuchen: Erika ${mover!.lastName}`);

      expect(await enrollmentsTable()).toEqual(before);
      await ctx.deliverMail();
      expect(ctx.mailbox).toEqual([]);
    });
  });

  describe('capacity', () => {
    it('raising it fills the new seats from the waitlist in order and mails those who moved up', async () => {
      const offering = await createOffering(ctx.db, { title: 'Fachtag Eisenach', capacity: 2 });
      await seat(offering.id, await people(2, 'fest'), 'confirmed');
      const waiting = await people(3, 'wartend');
      await seat(offering.id, waiting, 'waitlisted');

      const response = await submitForm(agent, page(offering.id), `/manage/offerings/${offering.id}/capacity`, { capacity: '4' });
      expect(response.status).toBe(303);
      const list = await agent.get(page(offering.id));
      expect(textOf(list.text)).toContain('Die Kapazität ist jetzt 4. Freie Plätze wurden von der Warteliste besetzt.');
      expect(textOf(list.text)).toContain('4 von 4 Plätzen bestätigt · 1 auf der Warteliste · 0 offen');
      expect(inputValue(list.text, 'capacity')).toBe('4');

      expect(await capacityOf(offering.id)).toBe(4);
      const statuses = await statusesOf(offering.id);
      expect(waiting.map((person) => statuses[person.id])).toEqual(['confirmed', 'confirmed', 'waitlisted']);
      await ctx.deliverMail();
      expect(subjects()).toEqual([`${waiting[0]!.email} | Sie haben einen Platz: Fachtag Eisenach`, `${waiting[1]!.email} | Sie haben einen Platz: Fachtag Eisenach`]);
      expect(await ctx.db('audit_events').where({ action: 'offering.capacity_changed' })).toHaveLength(1);
    });

    it('refuses to go below the confirmed seats, naming their number, and keeps the capacity', async () => {
      const offering = await createOffering(ctx.db, { capacity: 5 });
      await seat(offering.id, await people(3, 'fest'), 'confirmed');
      await seat(offering.id, await people(1, 'wartend'), 'waitlisted');
      const before = await enrollmentsTable();

      const response = await submitForm(agent, page(offering.id), `/manage/offerings/${offering.id}/capacity`, { capacity: '2' });
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'capacity')).toBe('Es sind bereits 3 Plätze bestätigt. Die Kapazität kann nicht darunter sinken.');
      expect(inputValue(response.text, 'capacity')).toBe('2');
      expect(await capacityOf(offering.id)).toBe(5);
      expect(await enrollmentsTable()).toEqual(before);

      // Down to exactly the confirmed seats is fine.
      expect((await submitForm(agent, page(offering.id), `/manage/offerings/${offering.id}/capacity`, { capacity: '3' })).status).toBe(303);
      expect(await capacityOf(offering.id)).toBe(3);
      expect(await enrollmentsTable()).toEqual(before);
      await ctx.deliverMail();
      expect(ctx.mailbox).toEqual([]);
    });

    it('explains invalid numbers', async () => {
      const offering = await createOffering(ctx.db, { capacity: 5 });
      const cases: [string, string][] = [
        ['abc', 'Bitte geben Sie eine ganze Zahl ein.'],
        ['2.5', 'Bitte geben Sie eine ganze Zahl ein.'],
        ['0', 'Es muss mindestens 1 Platz geben.'],
        ['20000', 'Bitte geben Sie höchstens 10.000 Plätze an.'],
      ];
      for (const [capacity, message] of cases) {
        const response = await submitForm(agent, page(offering.id), `/manage/offerings/${offering.id}/capacity`, { capacity });
        expect(response.status).toBe(422);
        expect(fieldErrorText(response.text, 'capacity')).toBe(message);
      }
      expect(await capacityOf(offering.id)).toBe(5);
    });
  });

  describe('who may', () => {
    it('gives participants and trainers 403 on every management route and changes nothing', async () => {
      const programme = await createProgramme(ctx.db);
      const offering = await createOffering(ctx.db, { programmeId: programme.id, capacity: 1, requiresApproval: true });
      const other = await createOffering(ctx.db, { programmeId: programme.id });
      const [confirmedId] = await seat(offering.id, await people(1, 'fest'), 'confirmed');
      const [pendingId] = await seat(offering.id, await people(1, 'offen'), 'pending');
      await createUser(ctx.db, { email: 'neu@gemeinde.example' });
      const before = await enrollmentsTable();

      for (const role of ['participant', 'trainer'] as const) {
        const outsider = await loginAs(ctx.app, await createUser(ctx.db, { role }));
        expect((await outsider.get(page(offering.id))).status).toBe(403);
        const posts: [string, Record<string, string>][] = [
          [page(offering.id), { email: 'neu@gemeinde.example' }],
          [`/manage/offerings/${offering.id}/capacity`, { capacity: '50' }],
          [`/manage/offerings/${offering.id}/enrollments/${confirmedId}/move`, { targetOfferingId: String(other.id) }],
          [`/manage/enrollments/${pendingId}/approve`, { offeringId: String(offering.id) }],
          [`/manage/enrollments/${pendingId}/reject`, { offeringId: String(offering.id) }],
          [`/manage/enrollments/${confirmedId}/cancel`, { offeringId: String(offering.id) }],
        ];
        for (const [path, fields] of posts) {
          const response = await submitForm(outsider, '/', path, fields);
          expect([path, response.status]).toEqual([path, 403]);
          expect(textOf(response.text)).toContain('Sie haben keine Berechtigung für diese Seite oder Aktion.');
        }
      }
      expect(await enrollmentsTable()).toEqual(before);
      expect(await capacityOf(offering.id)).toBe(1);
      await ctx.deliverMail();
      expect(ctx.mailbox).toEqual([]);
    });

    it('sends anonymous visitors to the login page', async () => {
      const offering = await createOffering(ctx.db);
      const response = await newAgent(ctx.app).get(page(offering.id));
      expect(response.status).toBe(302);
      expect(response.headers.location).toBe(`/login?next=${encodeURIComponent(page(offering.id))}`);
    });
  });
});
