import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { countQueries } from '../support/database';
import { createOrganisation, createUser, type TestUser } from '../support/factories';
import { binaryParser, csrfTokenIn, loginAs, newAgent, submitForm, textOf, type Agent } from '../support/http';
import { readPdf } from '../support/pdf';

describe('data export: everybody downloads what is stored about them', () => {
  const ctx = useTestApp();

  const download = (agent: Agent, url: string) => agent.get(url).buffer(true).parse(binaryParser);
  const berlinDay = (date: Date) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin' }).format(date);

  async function enrol(agent: Agent, offeringId: number) {
    const page = await agent.get(`/offerings/${offeringId}`);
    expect((await agent.post(`/offerings/${offeringId}/enroll`).type('form').send({ _csrf: csrfTokenIn(page.text) })).status).toBe(303);
  }

  /**
   * Greta Feldhaus and Till Ostrowski (another person, same offerings): each enrolled through
   * the app in a past workshop (marked present, confirmation issued) and a future one (an
   * excuse with a reason given through the app).
   */
  async function twoHistories(extraPastWorkshops = 0) {
    const organisation = await createOrganisation(ctx.db, { name: 'Stadt Weidenau' });
    const greta = await createUser(ctx.db, { firstName: 'Greta', lastName: 'Feldhaus', email: 'greta.feldhaus@weidenau.example', organisationId: organisation.id });
    await ctx.db('users').where('id', greta.id).update({ department: 'Bürgeramt' });
    const till = await createUser(ctx.db, { firstName: 'Till', lastName: 'Ostrowski', email: 'till.ostrowski@weidenau.example', organisationId: organisation.id });
    const coordinator = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
    const workshops = await createProgramme(ctx.db, { kind: 'workshop', title: 'Umgang mit extremistischen Gruppierungen' });
    const past = await createOffering(ctx.db, { programmeId: workshops.id, title: 'Workshop Birkenau', startsInDays: -10, registrationOpensInDays: -40 });
    const future = await createOffering(ctx.db, { programmeId: workshops.id, title: 'Workshop Lindenberg', startsInDays: 12 });
    const people: [TestUser, Agent][] = [
      [greta, await loginAs(ctx.app, greta)],
      [till, await loginAs(ctx.app, till)],
    ];
    for (const [person, agent] of people) {
      await ctx.db('enrollments').insert({ offering_id: past.id, user_id: person.id, status: 'confirmed', note: `Notiz zu ${person.firstName}` });
      await ctx.db('attendance_records').insert({ session_id: past.sessionIds[0], user_id: person.id, status: 'present', source: 'roll_call' });
      await enrol(agent, future.id);
      const excuseUrl = `/my/sessions/${future.sessionIds[0]}/excuse`;
      expect((await submitForm(agent, excuseUrl, excuseUrl, { reason: `Dienstreise von ${person.firstName}` })).status).toBe(303);
    }
    for (let index = 0; index < extraPastWorkshops; index += 1) {
      const extra = await createOffering(ctx.db, { programmeId: workshops.id, title: `Workshop Extra ${index}`, startsInDays: -20 - index, registrationOpensInDays: -60 });
      await ctx.db('enrollments').insert({ offering_id: extra.id, user_id: greta.id, status: 'confirmed' });
      await ctx.db('attendance_records').insert({ session_id: extra.sessionIds[0], user_id: greta.id, status: 'late', source: 'check_in' });
    }
    const certificates = await coordinator.get(`/manage/offerings/${past.id}/certificates`);
    expect((await coordinator.post(`/manage/offerings/${past.id}/certificates`).type('form').send({ all: 'yes', _csrf: csrfTokenIn(certificates.text) })).status).toBe(303);
    return { greta, till, gretaAgent: people[0]![1], past, future };
  }

  it('gives the person every record about them as JSON, and nothing about anybody else', async () => {
    const { greta, till, gretaAgent, past, future } = await twoHistories();
    const response = await gretaAgent.get('/account/data.json').expect(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['content-disposition']).toBe(`attachment; filename="Meine-Daten-${berlinDay(new Date())}.json"`);
    expect(response.headers['cache-control']).toBe('no-store');
    const data = JSON.parse(response.text);

    expect(data.profile).toMatchObject({ id: greta.id, firstName: 'Greta', lastName: 'Feldhaus', email: greta.email, organisation: 'Stadt Weidenau', department: 'Bürgeramt', role: 'participant', locale: 'de' });
    expect(data.enrollments.map((row: { offering: string; status: string }) => [row.offering, row.status]).sort()).toEqual([
      ['Workshop Birkenau', 'confirmed'],
      ['Workshop Lindenberg', 'confirmed'],
    ]);
    expect(data.enrollments.find((row: { offering: string }) => row.offering === 'Workshop Birkenau').note).toBe('Notiz zu Greta');
    expect(data.attendance).toEqual([expect.objectContaining({ sessionId: past.sessionIds[0], offering: 'Workshop Birkenau', status: 'present', source: 'roll_call' })]);
    expect(data.excuses).toEqual([expect.objectContaining({ sessionId: future.sessionIds[0], offering: 'Workshop Lindenberg', reason: 'Dienstreise von Greta', status: 'submitted' })]);
    const certificate = (await ctx.db('certificates').where('user_id', greta.id).first('serial', 'verification_code', 'pdf_sha256')) as { serial: string; verification_code: string; pdf_sha256: string };
    expect(data.certificates).toEqual([
      expect.objectContaining({ serial: certificate.serial, status: 'valid', verificationUrl: `http://campus.test/verify/${certificate.verification_code}`, pdfSha256: certificate.pdf_sha256 }),
    ]);
    const actions = data.auditEntries.map((entry: { action: string }) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['login', 'enrollment.created', 'excuse.submitted']));
    // Her own sign-ins carry her address; nothing carries the address of whoever else acted.
    const logins = data.auditEntries.filter((entry: { action: string }) => entry.action === 'login');
    expect(logins.every((entry: { byYou: boolean; ip: string | null }) => entry.byYou && entry.ip !== null)).toBe(true);
    const mails = await ctx.db('outgoing_mails').where('recipient', greta.email).pluck('subject');
    expect(mails.length).toBeGreaterThan(0);
    expect(data.mails.map((mail: { subject: string }) => mail.subject).sort()).toEqual([...mails].sort());

    for (const foreign of ['Till', 'Ostrowski', till.email]) expect(response.text).not.toContain(foreign);
    const tillsEnrollments = await ctx.db('enrollments').where('user_id', till.id).pluck('id');
    const enrollmentSubjects = data.auditEntries.filter((entry: { subject: { type: string } | null }) => entry.subject?.type === 'enrollment').map((entry: { subject: { id: string } }) => Number(entry.subject.id));
    for (const id of tillsEnrollments) expect(enrollmentSubjects).not.toContain(id);
  });

  it('gives the same as a readable, tagged PDF', async () => {
    const { gretaAgent } = await twoHistories();
    const response = await download(gretaAgent, '/account/data.pdf').expect(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="Meine-Daten-${berlinDay(new Date())}.pdf"`);
    expect(response.headers['cache-control']).toBe('no-store');
    const pdf = await readPdf(response.body as Buffer);
    const text = pdf.text.replace(/\s+/g, ' ');
    expect(pdf.info.Title).toBe('Auskunft über gespeicherte Daten – Greta Feldhaus');
    for (const expected of ['Greta Feldhaus', 'greta.feldhaus@weidenau.example', 'Stadt Weidenau', 'Bürgeramt', 'Workshop Birkenau', 'Workshop Lindenberg', 'Dienstreise von Greta', 'anwesend', 'Anmeldung bestätigt', 'Seite 1 von']) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain('Ostrowski');
    expect(text).not.toContain('Till');
    // Tagged for screen readers: a German structure tree with a heading per kind of record.
    const raw = (response.body as Buffer).toString('latin1');
    for (const marker of ['/StructTreeRoot', '/Lang (de-DE)', '/S /Document', '/S /H1', '/S /H2', '/S /P']) expect(raw).toContain(marker);
  });

  it('links the downloads from the account page and reads the same number of statements for a short and a long history', async () => {
    const { gretaAgent } = await twoHistories();
    const account = await gretaAgent.get('/account').expect(200);
    expect(account.text).toContain('href="/account/data.json"');
    expect(account.text).toContain('href="/account/data.pdf"');
    expect(textOf(account.text)).toContain('Meine Daten');
    // Both measured on the second download: the first request after logging in also renews the session.
    const short = await countQueries(ctx.db, () => gretaAgent.get('/account/data.json').expect(200));
    await ctx.db.raw('TRUNCATE users, organisations, programmes RESTART IDENTITY CASCADE');
    const { gretaAgent: again } = await twoHistories(12);
    await again.get('/account').expect(200);
    const long = await countQueries(ctx.db, () => again.get('/account/data.json').expect(200));
    expect(JSON.parse((await again.get('/account/data.json')).text).attendance).toHaveLength(13);
    expect(long).toBe(short);
    // Session and user, the profile, one read per domain (enrollments, attendance, excuses, certificates, mails, evaluation invitations), the audit entries.
    expect(long).toBeLessThanOrEqual(9);
  });

  it('is only for the logged-in person', async () => {
    const response = await newAgent(ctx.app).get('/account/data.json');
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('/login?next=%2Faccount%2Fdata.json');
  });

  it('names the identity providers the account is linked to and whether a second factor is set up, never its key', async () => {
    const coordinator = await createUser(ctx.db, { role: 'coordinator', email: 'kerstin.brandt@kreis.example' });
    await ctx.db('external_identities').insert({ provider: 'oidc:keycloak', subject: 'f3b1-77aa', user_id: coordinator.id, created_at: new Date('2026-11-02T08:00:00Z') });
    const agent = await loginAs(ctx.app, coordinator);
    const json = JSON.parse((await agent.get('/account/data.json').expect(200)).text);
    expect(json.profile.secondFactor).toBe(true);
    expect(json.profile.singleSignOn).toEqual([{ provider: 'oidc:keycloak', subject: 'f3b1-77aa', linkedAt: '2026-11-02T08:00:00+00:00', lastLoginAt: null }]);
    const stored = await ctx.db('second_factors').where('user_id', coordinator.id).first();
    expect(JSON.stringify(json)).not.toContain(String(stored.totp_secret_encrypted).slice(0, 12));
    const pdf = await readPdf((await download(agent, '/account/data.pdf').expect(200)).body);
    expect(pdf.text).toContain('Zweiter Faktor eingerichtet: ja');
    expect(pdf.text).toContain('Verknüpft mit Anmeldedienst: oidc:keycloak (f3b1-77aa), 02.11.2026');
  });
});
