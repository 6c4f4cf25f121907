import { parse } from 'csv-parse/sync';
import { useTestApp } from '../support/app';
import { createOrganisation, createUser } from '../support/factories';
import { errorSummaryText, fieldErrorText, selectOptions } from '../support/html';
import { binaryParser, csrfTokenIn, loginAs, submitForm, textOf, type Agent } from '../support/http';
import { createReportsFixture, type ReportsFixture } from './reports.fixture';

const YEAR_2025 = 'from=2025-01-01&to=2025-12-31';

function tableRows(html: string, id: string): string[][] {
  const table = html.split(`id="${id}"`)[1]?.split('</table>')[0] ?? '';
  const body = table.split('<tbody')[1] ?? '';
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => textOf(cell[1]!)));
}

function totalsOn(html: string): Record<string, number> {
  return Object.fromEntries([...html.matchAll(/data-total="(\w+)">(\d+)</g)].map((match) => [match[1]!, Number(match[2])]));
}

/** The "Teilnehmende je Organisation" part of the funder report CSV. */
function organisationPart(csv: Buffer): string[][] {
  const rows = parse(csv.toString('utf8'), { bom: true, delimiter: ';', relax_column_count: true }) as string[][];
  const start = rows.findIndex((row) => row[0] === 'Teilnehmende je Organisation' && row.length === 1);
  const end = rows.findIndex((row, index) => index > start && row.every((cell) => cell === ''));
  return rows.slice(start + 2, end);
}

describe('merging duplicate organisations', () => {
  const ctx = useTestApp();
  let fixture: ReportsFixture;
  let coordinator: Agent;

  beforeEach(async () => {
    fixture = await createReportsFixture(ctx.db);
    coordinator = await loginAs(ctx.app, fixture.coordinator);
  });

  const editPage = (id: number) => `/admin/organisations/${id}`;
  const preview = (removedId: number, keepId: string) => submitForm(coordinator, editPage(removedId), `/admin/organisations/${removedId}/merge`, { keepId });

  async function reportFigures() {
    const funder = await coordinator.get(`/reports/funder?${YEAR_2025}`);
    const csv = await coordinator.get(`/reports/funder.csv?${YEAR_2025}`).buffer(true).parse(binaryParser);
    const overview = await coordinator.get('/reports/overview?year=2025');
    return { totals: totalsOn(funder.text), csv: organisationPart(csv.body as Buffer), start: tableRows(overview.text, 'start-organisations') };
  }

  it('previews what moves, then moves every person with their history to the kept organisation in one step: report figures add up under the kept name', async () => {
    const { town, village } = fixture.organisations;
    const before = await reportFigures();
    expect(before.csv).toEqual([["'=Gemeinde Özhausen", '3'], ['Stadt Änderstadt', '3'], ['Summe', '6']]);
    expect(before.start).toEqual([['=Gemeinde Özhausen', '3'], ['Stadt Änderstadt', '3']]);
    const enrollmentsBefore = await ctx.db('enrollments').count({ n: '*' }).first();
    const attendanceBefore = await ctx.db('attendance_records').count({ n: '*' }).first();

    const edit = await coordinator.get(editPage(village));
    const choices = selectOptions(edit.text, 'keepId').map((option) => option.label);
    expect(choices).toContain('Stadt Änderstadt (5 Personen)');
    expect(choices.some((label) => label.includes('Özhausen'))).toBe(false);

    const shown = await preview(village, String(town));
    expect(shown.status).toBe(200);
    const text = textOf(shown.text);
    expect(text).toContain('„=Gemeinde Özhausen“ wird in „Stadt Änderstadt“ übernommen und danach gelöscht.');
    expect(text).toMatch(/Personen \(Konten mit ihrer gesamten Historie[^)]*\) 3 davon aktive Konten 3/);
    // The preview saved nothing.
    expect(await ctx.db('organisations').where({ id: village }).first()).toBeDefined();

    const token = csrfTokenIn(shown.text);
    const confirmed = await coordinator.post(`/admin/organisations/${village}/merge/confirm`).type('form').send({ keepId: String(town), expectedPeople: '3', _csrf: token });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.location).toBe(`/admin/organisations/${town}`);
    expect(textOf((await coordinator.get(`/admin/organisations/${town}`)).text)).toContain('„=Gemeinde Özhausen“ wurde in „Stadt Änderstadt“ zusammengeführt (3 Personen übertragen).');

    expect(await ctx.db('organisations').where({ id: village }).first()).toBeUndefined();
    // The old address leads to the organisation kept.
    const oldLink = await coordinator.get(editPage(village));
    expect(oldLink.status).toBe(301);
    expect(oldLink.headers.location).toBe(editPage(town));
    expect((await coordinator.get(editPage(999999))).status).toBe(404);
    expect(await ctx.db('users').where({ organisation_id: village })).toHaveLength(0);
    expect(await ctx.db('enrollments').count({ n: '*' }).first()).toEqual(enrollmentsBefore);
    expect(await ctx.db('attendance_records').count({ n: '*' }).first()).toEqual(attendanceBefore);

    const after = await reportFigures();
    expect(after.totals).toEqual(before.totals);
    expect(after.csv).toEqual([['Stadt Änderstadt', '6'], ['Summe', '6']]);
    expect(after.start).toEqual([['Stadt Änderstadt', '6']]);

    const audit = await ctx.db('audit_events').where({ action: 'organisation.merged' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ subject_type: 'organisation', subject_id: String(town), actor_user_id: fixture.coordinator.id });
    expect(audit[0].before).toEqual({ mergedId: village, mergedName: '=Gemeinde Özhausen', keptName: 'Stadt Änderstadt' });
    expect(audit[0].after).toEqual({ keptId: town, keptName: 'Stadt Änderstadt', peopleMoved: 3 });
  });

  it('refuses a choice that is no organisation or the same one with 422 and a German message, and changes nothing', async () => {
    const { village } = fixture.organisations;
    const none = await preview(village, '');
    expect(none.status).toBe(422);
    expect(fieldErrorText(none.text, 'keepId')).toBe('Bitte wählen Sie einen Eintrag aus.');
    const same = await preview(village, String(village));
    expect(same.status).toBe(422);
    expect(fieldErrorText(same.text, 'keepId')).toBe('Bitte wählen Sie eine andere Organisation als diese.');
    expect(errorSummaryText(same.text)).toContain('Bitte wählen Sie eine andere Organisation als diese.');
    const unknown = await preview(village, '999999');
    expect(unknown.status).toBe(422);
    expect(await ctx.db('users').where({ organisation_id: village })).toHaveLength(3);
    expect(await ctx.db('audit_events').where({ action: 'organisation.merged' })).toHaveLength(0);
  });

  it('shows the preview again when people joined the duplicate since, and merges nothing', async () => {
    const { town, village } = fixture.organisations;
    const shown = await preview(village, String(town));
    await createUser(ctx.db, { organisationId: village, firstName: 'Nina', lastName: 'Neu' });
    const token = csrfTokenIn(shown.text);
    const confirmed = await coordinator.post(`/admin/organisations/${village}/merge/confirm`).type('form').send({ keepId: String(town), expectedPeople: '3', _csrf: token });
    expect(confirmed.status).toBe(422);
    expect(errorSummaryText(confirmed.text)).toContain('Seit der Vorschau hat sich die Zahl der Personen geändert.');
    expect(textOf(confirmed.text)).toMatch(/\) 4 davon aktive Konten 4/);
    expect(await ctx.db('users').where({ organisation_id: village })).toHaveLength(4);
  });

  it('merges only once when the same merge is confirmed twice at the same moment', async () => {
    const { town, village } = fixture.organisations;
    const shown = await preview(village, String(town));
    const token = csrfTokenIn(shown.text);
    const confirm = () => coordinator.post(`/admin/organisations/${village}/merge/confirm`).type('form').send({ keepId: String(town), expectedPeople: '3', _csrf: token });
    const responses = await Promise.all([confirm(), confirm()]);
    expect(responses.map((response) => response.status).sort()).toEqual([303, 404]);
    expect(await ctx.db('users').where({ organisation_id: town })).toHaveLength(8);
    expect(await ctx.db('audit_events').where({ action: 'organisation.merged' })).toHaveLength(1);
  });

  it('is for coordination and administration only', async () => {
    const { town, village } = fixture.organisations;
    const participant = await createUser(ctx.db);
    const agent = await loginAs(ctx.app, participant);
    const token = csrfTokenIn((await agent.get('/account')).text);
    const response = await agent.post(`/admin/organisations/${village}/merge/confirm`).type('form').send({ keepId: String(town), expectedPeople: '3', _csrf: token });
    expect(response.status).toBe(403);
    expect(await ctx.db('organisations').where({ id: village }).first()).toBeDefined();
    const admin = await createUser(ctx.db, { role: 'admin' });
    const spare = await createOrganisation(ctx.db, { name: 'Bergheide, Stadt' });
    const kept = await createOrganisation(ctx.db, { name: 'Stadt Bergheide' });
    const adminAgent = await loginAs(ctx.app, admin);
    const adminToken = csrfTokenIn((await adminAgent.get(editPage(spare.id))).text);
    expect((await adminAgent.post(`/admin/organisations/${spare.id}/merge/confirm`).type('form').send({ keepId: String(kept.id), expectedPeople: '0', _csrf: adminToken })).status).toBe(303);
  });

  it('matches the old spelling of a merged duplicate in a list of people to invite, and moves old names along when the kept one is merged again', async () => {
    const { town, village } = fixture.organisations;
    const shown = await preview(village, String(town));
    await coordinator.post(`/admin/organisations/${village}/merge/confirm`).type('form').send({ keepId: String(town), expectedPeople: '3', _csrf: csrfTokenIn(shown.text) });
    const county = await createOrganisation(ctx.db, { name: 'Landratsamt Musterkreis' });
    const again = await preview(town, String(county.id));
    await coordinator.post(`/admin/organisations/${town}/merge/confirm`).type('form').send({ keepId: String(county.id), expectedPeople: '8', _csrf: csrfTokenIn(again.text) });
    const oldest = await coordinator.get(editPage(village));
    expect(oldest.status).toBe(301);
    expect(oldest.headers.location).toBe(editPage(county.id));

    const admin = await createUser(ctx.db, { role: 'admin' });
    const adminAgent = await loginAs(ctx.app, admin);
    const page = await adminAgent.get('/admin/invitations');
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(page.text)![1]!.replace(/&amp;/g, '&');
    const list = 'neu.oz@gemeinde.example;Ole;Neu;=Gemeinde Özhausen\nneu.ae@gemeinde.example;Ada;Neu;stadt änderstadt\n';
    const response = await adminAgent.post(action).attach('file', Buffer.from(list, 'utf8'), { filename: 'liste.csv', contentType: 'text/csv' });
    expect(response.status).toBe(200);
    const text = textOf(response.text);
    expect(text).toContain('neu einzuladen: 2');
    expect(text).toContain('neu.oz@gemeinde.example Ole Neu Landratsamt Musterkreis');
    expect(text).toContain('neu.ae@gemeinde.example Ada Neu Landratsamt Musterkreis');
  });
});
