import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { useTestApp } from '../support/app';
import { fieldErrorText, inputValue } from '../support/html';
import { binaryParser, csrfTokenIn, loginAs, textOf, type Agent } from '../support/http';
import { readPdf } from '../support/pdf';
import { createReportsFixture, type ReportsFixture } from './reports.fixture';

const YEAR_2025 = 'from=2025-01-01&to=2025-12-31';

/** The figures of the page's totals table and of one offering, read from the cells a person reads. */
const totalsOn = (html: string) => Object.fromEntries([...html.matchAll(/data-total="(\w+)">(\d+)</g)].map((match) => [match[1]!, Number(match[2])]));
function offeringFigures(html: string, offeringId: number): Record<string, number> {
  const section = html.split(`data-offering="${offeringId}"`)[1]?.split('</section>')[0] ?? '';
  return Object.fromEntries([...section.matchAll(/data-figure="(\w+)">(\d+)</g)].map((match) => [match[1]!, Number(match[2])]));
}

/** Ticked trainers of a session form, to send them back unchanged. */
const checkedTrainerIds = (html: string) => [...html.matchAll(/name="trainerIds" value="(\d+)"\s+checked/g)].map((match) => match[1]!);

describe('teaching units (UE) of a session of its own', () => {
  const ctx = useTestApp();
  let fixture: ReportsFixture;
  let agent: Agent;

  beforeEach(async () => {
    fixture = await createReportsFixture(ctx.db);
    agent = await loginAs(ctx.app, fixture.coordinator);
  });

  const editPage = (offeringId: number, sessionId: number) => `/manage/offerings/${offeringId}/sessions/${sessionId}/edit`;

  /** Sends the session's edit form as it stands, with the units typed in. */
  async function saveUnits(offeringId: number, sessionId: number, teachingUnits: string) {
    const form = await agent.get(editPage(offeringId, sessionId));
    expect(form.status).toBe(200);
    const fields = ['moduleId', 'startsAt', 'endsAt', 'location', 'onlineUrl'].filter((name) => form.text.includes(`name="${name}"`));
    const values: Record<string, string | string[]> = { teachingUnits, trainerIds: checkedTrainerIds(form.text), _csrf: csrfTokenIn(form.text) };
    for (const name of fields) values[name] = name === 'moduleId' ? (/<option value="(\d+)" selected>/.exec(form.text)?.[1] ?? '') : (inputValue(form.text, name) ?? '');
    return agent.post(`/manage/offerings/${offeringId}/sessions/${sessionId}`).type('form').send(values);
  }

  const download = async (path: string) => (await agent.get(path).buffer(true).parse(binaryParser).expect(200)).body as Buffer;
  const unitsOf = async (sessionId: number) => (await ctx.db('offering_sessions').first('teaching_units').where('id', sessionId)).teaching_units as number | null;

  it('counts a workshop session with 4 UE in the funder report page, CSV, XLSX and the training record; series sessions keep their module’s', async () => {
    const [, , s3] = fixture.sessions;
    const may = fixture.offerings.may;

    const form = await agent.get(editPage(may, s3!));
    expect(textOf(form.text)).toContain('Unterrichtseinheiten (UE)');
    expect(textOf(form.text)).toContain('Für den Förderbericht');
    expect(inputValue(form.text, 'teachingUnits')).toBe('');
    expect((await saveUnits(may, s3!, '4')).status).toBe(303);
    expect(await unitsOf(s3!)).toBe(4);
    expect(inputValue((await agent.get(editPage(may, s3!))).text, 'teachingUnits')).toBe('4');

    // Audited like the other fields of a session: before nothing of its own, after 4.
    const audit = await ctx.db('audit_events').where({ action: 'session.updated', subject_id: String(s3) }).first('before', 'after');
    expect(audit.before.teachingUnits).toBeNull();
    expect(audit.after.teachingUnits).toBe(4);

    // Page: 16 UE of the series' two modules (8 each, no own units) + 4 of the workshop session.
    const page = await agent.get(`/reports/funder?${YEAR_2025}`);
    expect(totalsOn(page.text)).toMatchObject({ sessions: 4, teachingUnits: 20 });
    expect(offeringFigures(page.text, may)).toMatchObject({ teachingUnits: 4 });
    expect(offeringFigures(page.text, fixture.offerings.spring)).toMatchObject({ teachingUnits: 16 });
    const text = textOf(page.text);
    expect(text).toContain('12.05.2025, 09:00–12:00 Uhr – Bernd Äbersold 4 1 1 0 0');
    expect(text).toContain('12.05.2025, 13:00–16:00 Uhr – Bernd Äbersold 0 1 0 0 1');
    expect(text).toContain('10.03.2025, 09:00–16:00 Uhr Modul 1 Trude Lehrer 8 2 0 0 1');

    // CSV for a German Excel, parsed back: the workshop's row and the total.
    const csv = parse(await download(`/reports/funder.csv?${YEAR_2025}`), { delimiter: ';', bom: true, relax_column_count: true }) as string[][];
    const header = csv.find((row) => row[0] === 'Durchgang')!;
    const unitsColumn = header.indexOf('Unterrichtseinheiten (UE)');
    expect(unitsColumn).toBeGreaterThan(0);
    expect(csv.find((row) => row[0] === 'Workshop Mai 2025')?.[unitsColumn]).toBe('4');
    expect(csv.find((row) => row[0] === 'Durchgang Frühjahr 2025')?.[unitsColumn]).toBe('16');
    expect(csv.find((row) => row[0] === 'Summe' && row.length > unitsColumn)?.[unitsColumn]).toBe('20');

    // XLSX, read back with exceljs: the same figures as numbers.
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await download(`/reports/funder.xlsx?${YEAR_2025}`)) as unknown as ArrayBuffer);
    const rows: unknown[][] = [];
    workbook.getWorksheet('Durchgänge')!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    const sheetUnits = (rows[0] as string[]).indexOf('Unterrichtseinheiten (UE)');
    expect(rows.find((row) => row[0] === 'Workshop Mai 2025')?.[sheetUnits]).toBe(4);
    expect(rows.at(-1)?.[0]).toBe('Summe');
    expect(rows.at(-1)?.[sheetUnits]).toBe(20);

    // Training record of Änne Ähnlich (s1 present, s2 late, s3 and s4 present): 8 + 8 + 4 + 0.
    const anne = await ctx.db('users').first('id').where({ first_name: 'Änne', last_name: 'Ähnlich' });
    const { text: record } = await readPdf(await download(`/reports/people/${anne.id}/training-record.pdf`));
    expect(record.replace(/\s+/g, ' ')).toContain('Termine insgesamt: 4 · Unterrichtseinheiten (UE) insgesamt: 20');
  });

  it('lets a series session override its module’s units, and emptying the field brings them back', async () => {
    const [s1] = fixture.sessions;
    const spring = fixture.offerings.spring;
    const form = await agent.get(editPage(spring, s1!));
    expect(textOf(form.text)).toContain('Leer lassen: die UE des Moduls');

    expect((await saveUnits(spring, s1!, '6')).status).toBe(303);
    expect(offeringFigures((await agent.get(`/reports/funder?${YEAR_2025}`)).text, spring)).toMatchObject({ teachingUnits: 14 });

    expect((await saveUnits(spring, s1!, '')).status).toBe(303);
    expect(await unitsOf(s1!)).toBeNull();
    expect(offeringFigures((await agent.get(`/reports/funder?${YEAR_2025}`)).text, spring)).toMatchObject({ teachingUnits: 16 });
  });

  it.each([
    ['-1', 'Bitte geben Sie eine Zahl ab 0 ein.'],
    ['41', 'Ein Termin hat höchstens 40 Unterrichtseinheiten.'],
    ['vier', 'Bitte geben Sie eine ganze Zahl ein.'],
    ['4,5', 'Bitte geben Sie eine ganze Zahl ein.'],
  ])('refuses %p with a German message, keeping the input', async (typed, message) => {
    const [, , s3] = fixture.sessions;
    const response = await saveUnits(fixture.offerings.may, s3!, typed);
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'teachingUnits')).toBe(message);
    expect(inputValue(response.text, 'teachingUnits')).toBe(typed);
    expect(await unitsOf(s3!)).toBeNull();
  });

  it('takes the units when a session is added on the offering page, and refuses bad ones there too', async () => {
    const may = fixture.offerings.may;
    const page = await agent.get(`/manage/offerings/${may}`);
    expect(textOf(page.text)).toContain('Für den Förderbericht');
    const session = { startsAt: '2025-05-13T09:00', endsAt: '2025-05-13T12:00', location: 'Landratsamt', _csrf: csrfTokenIn(page.text) };

    const refused = await agent.post(`/manage/offerings/${may}/sessions`).type('form').send({ ...session, teachingUnits: '41' });
    expect(refused.status).toBe(422);
    expect(fieldErrorText(refused.text, 'teachingUnits')).toBe('Ein Termin hat höchstens 40 Unterrichtseinheiten.');
    expect(inputValue(refused.text, 'teachingUnits')).toBe('41');

    expect((await agent.post(`/manage/offerings/${may}/sessions`).type('form').send({ ...session, teachingUnits: '3' })).status).toBe(303);
    const added = await ctx.db('offering_sessions').first('id', 'teaching_units').where('offering_id', may).orderBy('id', 'desc');
    expect(added.teaching_units).toBe(3);
    const created = await ctx.db('audit_events').where({ action: 'session.created', subject_id: String(added.id) }).first('after');
    expect(created.after.teachingUnits).toBe(3);
    expect(offeringFigures((await agent.get(`/reports/funder?${YEAR_2025}`)).text, may)).toMatchObject({ teachingUnits: 3 });
  });
});
