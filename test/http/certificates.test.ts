import { createHash } from 'node:crypto';
import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createOrganisation, createUser, type TestUser } from '../support/factories';
import { binaryParser, csrfTokenIn, loginAs, newAgent, textOf, type Agent } from '../support/http';
import { readPdf } from '../support/pdf';
import { normaliseVerificationCode } from '../../src/certificates/verification-code';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('certificates', () => {
  const ctx = useTestApp();

  /** A series cohort held in the past with `people` participants; each listed person attended the modules at the given positions. */
  async function completedCohort(options: { names: [string, string][]; attendedModules?: (people: number) => number[][] }) {
    const programme = await createProgramme(ctx.db, { kind: 'series' });
    const organisation = await createOrganisation(ctx.db, { name: 'Stadt Süderbrück' });
    const offering = await createOffering(ctx.db, { programmeId: programme.id, title: 'Durchgang 2026', startsInDays: -80, registrationOpensInDays: -120, sessions: 5, moduleIds: programme.modules.map((module) => module.id), capacity: 50 });
    const people: TestUser[] = [];
    for (const [firstName, lastName] of options.names) {
      const person = await createUser(ctx.db, { firstName, lastName, organisationId: organisation.id });
      await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
      people.push(person);
    }
    const attended = options.attendedModules?.(people.length) ?? people.map(() => [1, 2, 3, 4, 5]);
    for (const [index, person] of people.entries()) {
      for (const position of attended[index] ?? []) {
        await ctx.db('attendance_records').insert({ session_id: offering.sessionIds[position - 1], user_id: person.id, status: position === 3 ? 'late' : 'present', source: 'roll_call' });
      }
    }
    return { programme, offering, people };
  }

  async function coordinatorAgent(): Promise<Agent> {
    return loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
  }

  async function issue(agent: Agent, offeringId: number, fields: Record<string, string>) {
    const page = await agent.get(`/manage/offerings/${offeringId}/certificates`);
    return agent.post(`/manage/offerings/${offeringId}/certificates`).type('form').send({ ...fields, _csrf: csrfTokenIn(page.text) });
  }

  async function downloadPdf(agent: Agent, certificateId: number) {
    return agent.get(`/certificates/${certificateId}/download`).buffer(true).parse(binaryParser);
  }

  it('shows eligible people, issues all of them once, with gap-free serials, and refuses those who did not complete', async () => {
    const { offering, people } = await completedCohort({
      names: [['Jörg', 'Wendland'], ['Murat', 'Yılmaz'], ['Grete', 'Weißbach']],
      attendedModules: () => [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2]],
    });
    const agent = await coordinatorAgent();
    const overview = textOf((await agent.get(`/manage/offerings/${offering.id}/certificates`).expect(200)).text);
    expect(overview).toContain('2 berechtigt, noch nicht ausgestellt · 0 gültig ausgestellt');

    const refused = await issue(agent, offering.id, { userId: String(people[2]!.id) });
    expect(refused.status).toBe(409);
    expect(textOf(refused.text)).toContain('hat das Angebot nicht abgeschlossen');
    expect(await ctx.db('certificates').select('id')).toEqual([]);

    expect((await issue(agent, offering.id, { all: 'yes' })).status).toBe(303);
    const after = textOf((await agent.get(`/manage/offerings/${offering.id}/certificates`)).text);
    expect(after).toContain('2 Zertifikate ausgestellt (0 waren bereits ausgestellt).');
    const year = new Date().getFullYear();
    expect(after).toContain(`KKM-${year}-00001`);
    expect(after).toContain(`KKM-${year}-00002`);

    // Issuing again is idempotent: same certificates, no new serials.
    await issue(agent, offering.id, { userId: String(people[0]!.id) });
    const rows = await ctx.db('certificates').select('serial', 'user_id').orderBy('serial');
    expect(rows.map((row) => row.serial)).toEqual([`KKM-${year}-00001`, `KKM-${year}-00002`]);
  });

  it('stores the PDF once: its text reads back, and the same bytes come back after the name and template change', async () => {
    const { offering, people } = await completedCohort({ names: [['Murat', 'Yılmaz']] });
    const agent = await coordinatorAgent();
    await issue(agent, offering.id, { all: 'yes' });
    const certificate = await ctx.db('certificates').select('id', 'pdf_sha256', 'serial', 'verification_code').first();

    const participant = await loginAs(ctx.app, people[0]!);
    const first = await downloadPdf(participant, certificate.id);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/pdf');
    expect(first.headers['content-disposition']).toContain(`Zertifikat-${certificate.serial}.pdf`);
    const bytes = first.body as Buffer;
    expect(sha256(bytes)).toBe(certificate.pdf_sha256);

    const pdf = await readPdf(bytes);
    expect(pdf.text).toContain('Murat Yılmaz');
    expect(pdf.text).toContain('Kommunales Konfliktmanagement – Theorie und Praxis');
    expect(pdf.text).toContain(certificate.serial);
    expect(pdf.text).toContain('40 Unterrichtseinheiten');
    expect(pdf.text).toContain(`http://campus.test/verify/${certificate.verification_code}`);
    expect(pdf.info).toMatchObject({ Title: expect.stringContaining(certificate.serial), Author: expect.any(String) });

    await ctx.db('users').where('id', people[0]!.id).update({ last_name: 'Yılmaz-Neumann' });
    await ctx.db('programmes').update({ title: 'Umbenannte Reihe' });
    await ctx.db('certificate_templates').insert({ programme_id: offering.programme_id, title: 'Neuer Titel', body: 'Neuer Text' });
    const again = await downloadPdf(participant, certificate.id);
    expect(Buffer.compare(again.body as Buffer, bytes)).toBe(0);
    // Nor can anybody change the stored bytes in the database.
    await expect(ctx.db('certificates').where('id', certificate.id).update({ pdf: Buffer.from('forged') })).rejects.toThrow(/immutable/);
  });

  it('lets only the holder and coordinators download; others get 404', async () => {
    const { offering, people } = await completedCohort({ names: [['Anna', 'Lindqvist'], ['Ben', 'Okafor']] });
    await issue(await coordinatorAgent(), offering.id, { all: 'yes' });
    const own = await ctx.db('certificates').where('user_id', people[0]!.id).first('id');
    expect((await downloadPdf(await loginAs(ctx.app, people[1]!), own.id)).status).toBe(404);
    expect((await downloadPdf(await loginAs(ctx.app, await createUser(ctx.db, { role: 'trainer' })), own.id)).status).toBe(404);
    expect((await newAgent(ctx.app).get(`/certificates/${own.id}/download`)).status).toBe(302);
    const mine = textOf((await (await loginAs(ctx.app, people[0]!)).get('/my/certificates')).text);
    expect(mine).toContain('Zertifikat: Kommunales Konfliktmanagement – Theorie und Praxis');
    expect(mine).not.toContain('Okafor');
  });

  it('verifies a code publicly: valid with the printed facts, tolerant input, unknown as 404', async () => {
    const { offering } = await completedCohort({ names: [['Grete', 'Weißbach']] });
    await issue(await coordinatorAgent(), offering.id, { all: 'yes' });
    const certificate = await ctx.db('certificates').first('verification_code', 'serial', 'pdf_sha256');
    const visitor = newAgent(ctx.app);

    const page = await visitor.get(`/verify/${certificate.verification_code}`).expect(200);
    const text = textOf(page.text);
    expect(text).toContain('Gültiges Zertifikat');
    expect(text).toContain('Grete Weißbach');
    expect(text).toContain(certificate.serial);
    expect(text).toContain('Modul 5');
    expect(text).toContain('40 Unterrichtseinheiten');
    expect(text).toContain(certificate.pdf_sha256);
    expect(text).not.toContain('@');

    const typed = certificate.verification_code.toLowerCase().replace(/(.{5})/g, '$1 - ');
    const redirect = await visitor.get('/verify').query({ code: typed });
    expect(redirect.status).toBe(303);
    expect(redirect.headers.location).toBe(`/verify/${certificate.verification_code}`);

    const malformed = await visitor.get('/verify').query({ code: 'abc' });
    expect(malformed.status).toBe(422);
    expect(textOf(malformed.text)).toContain('Das ist kein gültiger Prüfcode');

    const unknown = await visitor.get('/verify/ABCDEFGHJKMNPQRSTVWX');
    expect(unknown.status).toBe(404);
    expect(textOf(unknown.text)).toContain('Zu diesem Prüfcode gibt es kein Zertifikat');
  });

  it('revokes with a reason (audited) and a correction supersedes the old certificate', async () => {
    const { offering, people } = await completedCohort({ names: [['Jörg', 'Wendland'], ['Ida', 'Brandt']] });
    const agent = await coordinatorAgent();
    await issue(agent, offering.id, { all: 'yes' });
    const certificateOf = (person: TestUser) => ctx.db('certificates').where('user_id', person.id).first('id', 'verification_code', 'user_id');
    const [first, second] = [await certificateOf(people[0]!), await certificateOf(people[1]!)];

    const form = await agent.get(`/manage/certificates/${first.id}/revoke`).expect(200);
    const empty = await agent.post(`/manage/certificates/${first.id}/revoke`).type('form').send({ reason: '', _csrf: csrfTokenIn(form.text) });
    expect(empty.status).toBe(422);
    expect(textOf(empty.text)).toContain('Bitte geben Sie einen Grund für den Widerruf an');
    const revoked = await agent.post(`/manage/certificates/${first.id}/revoke`).type('form').send({ reason: 'Versehentlich ausgestellt', _csrf: csrfTokenIn(form.text) });
    expect(revoked.status).toBe(303);
    expect(textOf((await newAgent(ctx.app).get(`/verify/${first.verification_code}`)).text)).toMatch(/Widerrufenes Zertifikat .*widerrufen und ist nicht mehr gültig/);
    expect(await ctx.db('audit_events').where({ action: 'certificate.revoked', subject_id: String(first.id) }).first('after')).toMatchObject({ after: { reason: 'Versehentlich ausgestellt' } });

    await ctx.db('users').where('id', second.user_id).update({ first_name: 'Ida Marie' });
    const overview = await agent.get(`/manage/offerings/${offering.id}/certificates`);
    expect((await agent.post(`/manage/certificates/${second.id}/reissue`).type('form').send({ _csrf: csrfTokenIn(overview.text) })).status).toBe(303);
    const corrected = await ctx.db('certificates').where({ user_id: people[1]!.id, status: 'valid' }).first('id', 'snapshot');
    expect(corrected.id).not.toBe(second.id);
    expect(corrected.snapshot.name).toBe('Ida Marie Brandt');
    expect(textOf((await newAgent(ctx.app).get(`/verify/${second.verification_code}`)).text)).toContain('Ersetztes Zertifikat');
  });

  it('gives gap-free, unique serials when coordinators issue at the same time', async () => {
    const names: [string, string][] = Array.from({ length: 12 }, (_, index) => ['Person', `Parallel${String(index).padStart(2, '0')}`]);
    const { offering, people } = await completedCohort({ names });
    const agents = await Promise.all([coordinatorAgent(), coordinatorAgent(), coordinatorAgent()]);
    const tokens = await Promise.all(agents.map(async (agent) => csrfTokenIn((await agent.get(`/manage/offerings/${offering.id}/certificates`)).text)));
    // Every person is issued by two coordinators at once, plus one "issue all".
    const requests = people.flatMap((person, index) => [0, 1].map((offset) => {
      const slot = (index + offset) % agents.length;
      return agents[slot]!.post(`/manage/offerings/${offering.id}/certificates`).type('form').send({ userId: String(person.id), _csrf: tokens[slot]! });
    }));
    requests.push(agents[2]!.post(`/manage/offerings/${offering.id}/certificates`).type('form').send({ all: 'yes', _csrf: tokens[2]! }));
    const responses = await Promise.all(requests);
    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 303));
    const rows = await ctx.db('certificates').select('serial_number', 'user_id').orderBy('serial_number');
    expect(rows.map((row) => row.serial_number)).toEqual(Array.from({ length: people.length }, (_, index) => index + 1));
    expect(new Set(rows.map((row) => row.user_id)).size).toBe(people.length);
  });

  it('prints all certificates of an offering as one PDF and as a ZIP named by serial', async () => {
    const { offering } = await completedCohort({ names: [['Jörg', 'Wendland'], ['Murat', 'Yılmaz'], ['Grete', 'Weißbach']] });
    const agent = await coordinatorAgent();
    await issue(agent, offering.id, { all: 'yes' });
    const serials = (await ctx.db('certificates').select('serial').orderBy('id')).map((row) => row.serial as string);

    const pdf = await agent.get(`/manage/offerings/${offering.id}/certificates.pdf`).buffer(true).parse(binaryParser);
    expect(pdf.status).toBe(200);
    const read = await readPdf(pdf.body as Buffer);
    expect(read.pages).toBe(3);
    for (const name of ['Jörg Wendland', 'Murat Yılmaz', 'Grete Weißbach']) expect(read.text).toContain(name);

    const zip = await agent.get(`/manage/offerings/${offering.id}/certificates.zip`).buffer(true).parse(binaryParser);
    expect(zip.status).toBe(200);
    expect(zip.headers['content-type']).toBe('application/zip');
    const listing = (zip.body as Buffer).toString('latin1');
    for (const serial of serials) expect(listing).toContain(`${serial}_`);

    expect(read.info).toMatchObject({ Title: 'Zertifikate: Durchgang 2026' });
    expect((await agent.get(`/manage/offerings/${offering.id + 1000}/certificates.pdf`)).status).toBe(404);
    expect((await agent.get(`/manage/offerings/${offering.id + 1000}/certificates.zip`)).status).toBe(404);

    const participant = await loginAs(ctx.app, await createUser(ctx.db));
    expect((await participant.get(`/manage/offerings/${offering.id}/certificates.zip`)).status).toBe(403);
  });

  it('issues a Teilnahmebestätigung for a workshop with date, duration and place', async () => {
    const programme = await createProgramme(ctx.db, { kind: 'workshop' });
    const offering = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop Frühjahr', startsInDays: -3, registrationOpensInDays: -30 });
    const person = await createUser(ctx.db, { firstName: 'Lea', lastName: 'Schäfer' });
    await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
    await ctx.db('attendance_records').insert({ session_id: offering.sessionIds[0], user_id: person.id, status: 'present', source: 'roll_call' });
    await issue(await coordinatorAgent(), offering.id, { all: 'yes' });
    const certificate = await ctx.db('certificates').first('id', 'kind');
    expect(certificate.kind).toBe('confirmation');
    const pdf = await readPdf((await downloadPdf(await loginAs(ctx.app, person), certificate.id)).body as Buffer);
    expect(pdf.text).toContain('Teilnahmebestätigung');
    expect(pdf.text).toContain('Lea Schäfer');
    expect(pdf.text).toContain('7 Stunden');
    expect(pdf.text).toContain('Landratsamt, Saal 1');
  });

  it('stores an archivable, tagged PDF: PDF/A-2a and PDF/UA identification, structure tree, language, embedded fonts', async () => {
    const { offering } = await completedCohort({ names: [['Grete', 'Weißbach']] });
    await issue(await coordinatorAgent(), offering.id, { all: 'yes' });
    const { pdf } = await ctx.db('certificates').first('pdf');
    const source = (pdf as Buffer).toString('latin1');
    expect(source).toMatch(/<pdfaid:part>2<\/pdfaid:part>\s*<pdfaid:conformance>A<\/pdfaid:conformance>/);
    expect(source).toContain('<pdfuaid:part>1</pdfuaid:part>');
    expect(source).toMatch(/\/MarkInfo \d+ 0 R/);
    expect(source).toMatch(/\/Marked true/);
    expect(source).toContain('/StructTreeRoot');
    expect(source).toMatch(/\/Lang \(de-DE\)/);
    expect(source).toContain('/OutputIntents');
    expect(source).toMatch(/\/FontFile2/);
  });

  it('limits how often one address may look up codes, so codes cannot be guessed', async () => {
    const visitor = newAgent(ctx.app);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 61; attempt += 1) statuses.push((await visitor.get(`/verify/${String(attempt).padStart(20, '0')}`)).status);
    expect(statuses.slice(0, 60)).toEqual(Array.from({ length: 60 }, () => 404));
    expect(statuses[60]).toBe(429);
  });

  it('reads codes the way people type them', () => {
    expect(normaliseVerificationCode(' abcde-fghjk mnpqr–stvwx ')).toBe('ABCDEFGHJKMNPQRSTVWX');
    expect(normaliseVerificationCode('OOOOO-IIIII-LLLLL-00000')).toBe('00000111111111100000');
    expect(normaliseVerificationCode('ABCDE-FGHJK-MNPQR-STVWU')).toBeNull();
    expect(normaliseVerificationCode('ABCDE')).toBeNull();
  });
});
