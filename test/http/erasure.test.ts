import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { countQueries } from '../support/database';
import type { Database } from '../../src/db/database';
import { createOrganisation, createUser, PASSWORD, type TestUser } from '../support/factories';
import { csrfTokenIn, loginAs, newAgent, submitForm, textOf, type Agent } from '../support/http';
import { errorSummaryText } from '../support/html';
import { createReportsFixture } from './reports.fixture';

const MAIL_DIR = fs.mkdtempSync(path.join(tmpdir(), 'kokoma-erasure-mail-'));
afterAll(() => fs.rmSync(MAIL_DIR, { recursive: true, force: true }));

/** Every row of every table as JSON text: what a search of a database dump would find. */
async function dumpAllTables(db: Database): Promise<string> {
  const { rows: tables } = await db.raw<{ rows: { tablename: string }[] }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
  const parts: string[] = [];
  for (const { tablename } of tables) {
    const { rows } = await db.raw<{ rows: { row: unknown }[] }>(`SELECT row_to_json(t) AS row FROM "${tablename}" t`);
    parts.push(...rows.map((row: { row: unknown }) => `${tablename}: ${JSON.stringify(row.row)}`));
  }
  return parts.join('\n');
}

/** An .eml file as the offline mailer writes it: the name quoted-printable encoded in the header and body. */
function writeMailFile(name: string, to: string, fullName: string): void {
  const qp = Buffer.from(fullName, 'utf8')
    .toString('binary')
    .split('')
    .map((char) => (char.charCodeAt(0) > 127 || char === ' ' ? `=${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}` : char))
    .join('');
  const body = [`To: ${to}`, `Subject: =?UTF-8?Q?Erinnerung_f=C3=BCr_${qp.replace(/=20/g, '_')}?=`, 'Content-Transfer-Encoding: quoted-printable', '', `Guten Tag ${qp},`, 'bis bald.'].join('\r\n');
  fs.writeFileSync(path.join(MAIL_DIR, name), body);
}

function mailFiles(): string[] {
  return fs.readdirSync(MAIL_DIR).sort();
}

describe('erasure: a person asks for deletion, admins anonymise', () => {
  const ctx = useTestApp({ MAIL_DIR });

  beforeEach(() => {
    for (const file of fs.readdirSync(MAIL_DIR)) fs.rmSync(path.join(MAIL_DIR, file));
  });

  async function enrolThroughTheApp(agent: Agent, offeringId: number) {
    const page = await agent.get(`/offerings/${offeringId}`);
    expect((await agent.post(`/offerings/${offeringId}/enroll`).type('form').send({ _csrf: csrfTokenIn(page.text) })).status).toBe(303);
  }

  it('asks for a confirmation, then honours the request at once when nothing is under retention', async () => {
    const organisation = await createOrganisation(ctx.db, { name: 'Gemeinde Lindental' });
    const person = await createUser(ctx.db, { firstName: 'Wiebke', lastName: 'Sturmfels', email: 'wiebke.sturmfels@lindental.example', organisationId: organisation.id });
    await ctx.db('users').where('id', person.id).update({ department: 'Ordnungsamt Sturmfels-Team' });
    const other = await createUser(ctx.db, { firstName: 'Hannes', lastName: 'Brook', organisationId: organisation.id });
    const workshop = await createProgramme(ctx.db, { kind: 'workshop' });
    const offering = await createOffering(ctx.db, { programmeId: workshop.id, startsInDays: 20 });
    const agent = await loginAs(ctx.app, person);
    const otherAgent = await loginAs(ctx.app, other);
    await enrolThroughTheApp(agent, offering.id);
    await enrolThroughTheApp(otherAgent, offering.id);
    await ctx.deliverMail();
    writeMailFile('a.eml', person.email, 'Wiebke Sturmfels');
    writeMailFile('b.eml', other.email, 'Hannes Brook');
    // A second device of the same person: its session must end too.
    const secondDevice = await loginAs(ctx.app, person);

    const account = textOf((await agent.get('/account').expect(200)).text);
    expect(account).toContain('Meine Daten');
    expect(account).toContain('Löschung meines Kontos beantragen');

    const unconfirmed = await submitForm(agent, '/account/erasure', '/account/erasure', {});
    expect(unconfirmed.status).toBe(422);
    expect(errorSummaryText(unconfirmed.text)).toContain('Bitte bestätigen Sie die Löschung mit dem Häkchen.');
    expect(await ctx.db('users').where('id', person.id).first('first_name')).toEqual({ first_name: 'Wiebke' });

    const confirmed = await submitForm(agent, '/account/erasure', '/account/erasure', { confirm: 'yes' });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.location).toBe('/');
    expect(textOf((await agent.get('/').expect(200)).text)).toContain('Ihr Konto wurde gelöscht.');

    // Logged out everywhere, and nobody can log in with the old address any more.
    expect((await secondDevice.get('/account')).status).toBe(302);
    const dump = await dumpAllTables(ctx.db);
    for (const personal of ['Wiebke', 'Sturmfels', 'wiebke.sturmfels', 'lindental.example']) expect(dump).not.toContain(personal);
    expect(dump).toContain('Hannes');
    expect(dump).toContain(other.email);
    expect(mailFiles()).toEqual(['b.eml']);
    const login = await submitForm(newAgent(ctx.app), '/login', '/login', { email: person.email, password: PASSWORD });
    expect(login.status).not.toBe(303);

    const user = await ctx.db('users').where('id', person.id).first('first_name', 'last_name', 'email', 'department', 'organisation_id', 'active', 'anonymised_at');
    expect(user).toMatchObject({ first_name: 'Gelöschte', last_name: 'Person', email: `geloescht-${person.id}@invalid`, department: null, organisation_id: organisation.id, active: false });
    expect(user.anonymised_at).toBeInstanceOf(Date);
    // The enrollment stays (the seat counts) attached to the anonymised row.
    expect(await ctx.db('enrollments').where({ user_id: person.id, offering_id: offering.id }).count({ n: '*' })).toEqual([{ n: 1 }]);
    const request = await ctx.db('erasure_requests').where('user_id', person.id).first('status', 'completed_by');
    expect(request).toEqual({ status: 'completed', completed_by: null });
  });

  it('leaves a request with records under retention to an admin, who anonymises it: figures, certificate bytes and the trail stay', async () => {
    const fixture = await createReportsFixture(ctx.db);
    const olaf = (await ctx.db('users').where({ first_name: 'Olaf', last_name: 'Özkan' }).first('id', 'email')) as { id: number; email: string };
    const person: TestUser = { id: olaf.id, email: olaf.email, firstName: 'Olaf', lastName: 'Özkan', role: 'participant', password: PASSWORD };
    const coordinator = await loginAs(ctx.app, fixture.coordinator);
    const admin = await loginAs(ctx.app, await createUser(ctx.db, { role: 'admin' }));

    // A certificate for Olaf (the May workshop counts him as completed), issued through the app.
    const page = await coordinator.get(`/manage/offerings/${fixture.offerings.may}/certificates`);
    expect((await coordinator.post(`/manage/offerings/${fixture.offerings.may}/certificates`).type('form').send({ all: 'yes', _csrf: csrfTokenIn(page.text) })).status).toBe(303);
    const certificate = (await ctx.db('certificates').where('user_id', person.id).first('id', 'verification_code', 'pdf')) as { id: number; verification_code: string; pdf: Buffer };
    const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    const bytesBefore = sha256(certificate.pdf);
    expect(textOf((await newAgent(ctx.app).get(`/verify/${certificate.verification_code}`)).text)).toContain('Olaf Özkan');
    // An excuse with a reason naming the person, and a coordinator's copy of a mail naming them.
    await ctx.db('excuses').insert({ session_id: fixture.sessions[1], user_id: person.id, reason: 'Olaf Özkan ist auf Dienstreise', status: 'accepted' });
    await ctx.db('outgoing_mails').insert({ recipient: 'koordination@landkreis.example', subject: 'Entschuldigung', text: 'Olaf Özkan hat sich entschuldigt.', html: '<p>Olaf Özkan hat sich entschuldigt.</p>' });
    writeMailFile('olaf.eml', person.email, 'Olaf Özkan');

    const figures = async () => (await coordinator.get('/reports/funder.csv?from=2025-01-01&to=2025-12-31')).text;
    const figuresBefore = await figures();
    const reportBefore = textOf((await coordinator.get('/reports/funder?from=2025-01-01&to=2025-12-31')).text);

    const agent = await loginAs(ctx.app, person);
    const asked = await submitForm(agent, '/account/erasure', '/account/erasure', { confirm: 'yes' });
    expect(asked.headers.location).toBe('/account');
    expect(textOf((await agent.get('/account/erasure')).text)).toContain('Ihr Antrag auf Löschung liegt vor');
    expect(await ctx.db('users').where('id', person.id).first('last_name')).toEqual({ last_name: 'Özkan' });

    const list = await admin.get('/admin/erasure-requests').expect(200);
    expect(textOf(list.text)).toContain('Özkan, Olaf');
    const request = (await ctx.db('erasure_requests').where('user_id', person.id).first('id')) as { id: number };
    const unconfirmed = await submitForm(admin, `/admin/erasure-requests/${request.id}`, `/admin/erasure-requests/${request.id}`, {});
    expect(unconfirmed.status).toBe(422);
    const done = await submitForm(admin, `/admin/erasure-requests/${request.id}`, `/admin/erasure-requests/${request.id}`, { confirm: 'yes' });
    expect(done.status).toBe(303);
    const after = textOf((await admin.get('/admin/erasure-requests')).text);
    expect(after).toContain('Die Person wurde anonymisiert.');
    expect(after).toContain('Es liegen keine offenen Anträge vor.');

    const dump = await dumpAllTables(ctx.db);
    for (const personal of ['Olaf', 'Özkan', person.email]) expect(dump).not.toContain(personal);
    expect(mailFiles()).toEqual([]);
    expect(await figures()).toBe(figuresBefore);
    expect(textOf((await coordinator.get('/reports/funder?from=2025-01-01&to=2025-12-31')).text)).toBe(reportBefore);

    const stored = (await ctx.db('certificates').where('id', certificate.id).first('pdf', 'pdf_sha256')) as { pdf: Buffer; pdf_sha256: string };
    expect(sha256(stored.pdf)).toBe(bytesBefore);
    expect(stored.pdf_sha256).toBe(bytesBefore);
    const verification = textOf((await newAgent(ctx.app).get(`/verify/${certificate.verification_code}`).expect(200)).text);
    expect(verification).toContain('Gültiges Zertifikat');
    expect(verification).toContain('Name auf Wunsch der Person nicht angezeigt');
    expect(verification).not.toContain('Özkan');
    expect(verification).not.toContain('Gelöschte Person');

    // The trail is kept, append-only as before: the app's own connection can neither change nor delete it.
    const entries = await ctx.db('audit_events').where({ subject_type: 'user', subject_id: String(person.id) }).pluck('action');
    expect(entries).toEqual(expect.arrayContaining(['login', 'privacy.erasure_requested', 'privacy.person_anonymised']));
    await expect(ctx.db('audit_events').update({ ip: null })).rejects.toThrow(/append-only/);
    await expect(ctx.db('audit_events').delete()).rejects.toThrow(/append-only/);
    await expect(ctx.db.transaction(async (trx) => {
      await trx.raw("SELECT set_config('kokoma.audit_redaction', 'erasure', true)");
      await trx('audit_events').update({ action: 'rewritten' });
    })).rejects.toThrow(/append-only/);
  });

  it('lists open requests a page at a time at a fixed number of statements, with accessible tables and forms', async () => {
    const admin = await loginAs(ctx.app, await createUser(ctx.db, { role: 'admin' }));
    const addRequests = async (count: number) => {
      for (let index = 0; index < count; index += 1) {
        const person = await createUser(ctx.db);
        await ctx.db('erasure_requests').insert({ user_id: person.id });
      }
    };
    await addRequests(2);
    await admin.get('/admin/erasure-requests').expect(200);
    const small = await countQueries(ctx.db, () => admin.get('/admin/erasure-requests').expect(200));
    await addRequests(30);
    const large = await countQueries(ctx.db, () => admin.get('/admin/erasure-requests').expect(200));
    expect(large).toBe(small);
    expect(small).toBeLessThanOrEqual(6);
    const second = textOf((await admin.get('/admin/erasure-requests?page=2').expect(200)).text);
    expect(second).toContain('Seite 2 von 2');

    // The list and both confirmation pages: one heading, a captioned table with column and row headers, labelled tick boxes.
    const list = (await admin.get('/admin/erasure-requests')).text;
    expect(list.match(/<h1\b/g)).toHaveLength(1);
    expect(list).toMatch(/<caption[^>]*>Offene Anträge auf Löschung<\/caption>/);
    expect(list.match(/<th scope="col"/g)).toHaveLength(4);
    expect(list.match(/<th scope="row"/g)).toHaveLength(25);
    const requestId = (await ctx.db('erasure_requests').orderBy('id').first('id')).id as number;
    const confirm = await countQueries(ctx.db, () => admin.get(`/admin/erasure-requests/${requestId}`).expect(200));
    expect(confirm).toBeLessThanOrEqual(6);
    const confirmPage = (await admin.get(`/admin/erasure-requests/${requestId}`)).text;
    expect(confirmPage).toMatch(/<label class="kern-label" for="field-confirm">Ja, .+ jetzt anonymisieren\./);
    const person = await loginAs(ctx.app, await createUser(ctx.db));
    await person.get('/account').expect(200);
    expect(await countQueries(ctx.db, () => person.get('/account/erasure').expect(200))).toBeLessThanOrEqual(6);
    const own = (await person.get('/account/erasure')).text;
    expect(own.match(/<h1\b/g)).toHaveLength(1);
    expect(own).toMatch(/<label class="kern-label" for="field-confirm">Ja, ich möchte, dass mein Konto gelöscht wird\./);
  });

  it('lets coordination correct a person, with before and after in the trail, which an erasure then redacts', async () => {
    const from = await createOrganisation(ctx.db, { name: 'Gemeinde Altheim' });
    const to = await createOrganisation(ctx.db, { name: 'Stadt Neuheim' });
    const person = await createUser(ctx.db, { firstName: 'Jonas', lastName: 'Kellerman', organisationId: from.id });
    const coordinator = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
    const url = `/admin/users/${person.id}/edit`;

    const invalid = await submitForm(coordinator, url, url, { firstName: '', lastName: 'Kellermann', organisationId: String(to.id), department: '' });
    expect(invalid.status).toBe(422);
    expect(errorSummaryText(invalid.text)).not.toBe('');
    expect(invalid.text).toContain('value="Kellermann"');

    const saved = await submitForm(coordinator, url, url, { firstName: 'Jonas', lastName: 'Kellermann', organisationId: String(to.id), department: 'Kämmerei' });
    expect(saved.status).toBe(303);
    expect(textOf((await coordinator.get(url)).text)).toContain('Die Angaben wurden berichtigt.');
    expect(await ctx.db('users').where('id', person.id).first('last_name', 'organisation_id', 'department')).toEqual({ last_name: 'Kellermann', organisation_id: to.id, department: 'Kämmerei' });
    const entry = await ctx.db('audit_events').where({ action: 'user.corrected', subject_id: String(person.id) }).first('before', 'after');
    expect(entry).toEqual({
      before: { last_name: 'Kellerman', organisation_id: from.id, department: null },
      after: { last_name: 'Kellermann', organisation_id: to.id, department: 'Kämmerei' },
    });

    const agent = await loginAs(ctx.app, { email: person.email, password: PASSWORD });
    expect((await submitForm(agent, '/account/erasure', '/account/erasure', { confirm: 'yes' })).headers.location).toBe('/');
    const dump = await dumpAllTables(ctx.db);
    for (const personal of ['Jonas', 'Kellerman', person.email]) expect(dump).not.toContain(personal);
    expect(await ctx.db('audit_events').where({ action: 'user.corrected', subject_id: String(person.id) }).first('before', 'after')).toEqual({
      before: { last_name: '[gelöscht]', organisation_id: from.id, department: null },
      after: { last_name: '[gelöscht]', organisation_id: to.id, department: '[gelöscht]' },
    });
    expect((await coordinator.get(url)).status).toBe(404);
  });
});
