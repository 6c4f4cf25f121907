import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { useTestApp } from '../support/app';
import { createUser } from '../support/factories';
import { binaryParser, loginAs, type Agent } from '../support/http';
import { createReportsFixture, type ReportsFixture } from './reports.fixture';

const YEAR_2025 = 'from=2025-01-01&to=2025-12-31';

/** The figures of the page's totals table. */
function totalsOn(html: string): Record<string, number> {
  return Object.fromEntries([...html.matchAll(/data-total="(\w+)">(\d+)</g)].map((match) => [match[1]!, Number(match[2])]));
}

/** A CSV part: the rows after its title row up to the blank line. */
function csvPart(rows: string[][], title: string): string[][] {
  const start = rows.findIndex((row) => row[0] === title && row.length === 1);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = rows.findIndex((row, index) => index > start && row.every((cell) => cell === ''));
  return rows.slice(start + 1, end);
}

const sheetRows = (sheet: ExcelJS.Worksheet) => {
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
};

describe('funder report files', () => {
  const ctx = useTestApp();
  let fixture: ReportsFixture;
  let agent: Agent;

  beforeEach(async () => {
    fixture = await createReportsFixture(ctx.db);
    agent = await loginAs(ctx.app, fixture.coordinator);
  });

  async function download(path: string) {
    const response = await agent.get(path).buffer(true).parse(binaryParser);
    expect(response.status).toBe(200);
    return { body: response.body as Buffer, headers: response.headers };
  }

  it('writes a CSV for a German Excel whose totals equal the page', async () => {
    const page = totalsOn((await agent.get(`/reports/funder?${YEAR_2025}`)).text);
    const { body, headers } = await download(`/reports/funder.csv?${YEAR_2025}`);
    expect(headers['content-type']).toContain('text/csv');
    expect(headers['content-disposition']).toContain("filename*=UTF-8''F%C3%B6rderbericht-2025-01-01-2025-12-31.csv");
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = body.toString('utf8');
    expect(text).toContain('Durchgang Frühjahr 2025;Reihe Konfliktmanagement;10.03.2025;24.03.2025;2;Bernd Äbersold, Trude Lehrer;16;3;3;2;1;1;2;1');
    const rows = parse(text, { delimiter: ';', bom: true, relax_column_count: true }) as string[][];
    expect(rows[1]).toEqual(['Zeitraum', '01.01.2025 – 31.12.2025']);

    const offerings = csvPart(rows, 'Durchgänge');
    expect(offerings[0]).toEqual(['Durchgang', 'Angebot (Thema)', 'Erster Termin', 'Letzter Termin', 'Termine', 'Referent:innen', 'Unterrichtseinheiten (UE)', 'Teilnehmende', 'Teilnehmendentage', 'Anwesend', 'Verspätet', 'Entschuldigt', 'Unentschuldigt', 'Abgeschlossen']);
    expect(offerings[2]).toEqual(['Workshop Mai 2025', 'Workshop Extremismus', '12.05.2025', '12.05.2025', '2', 'Bernd Äbersold', '0', '3', '2', '2', '1', '0', '1', '2']);
    const totals = offerings[offerings.length - 1]!;
    expect(totals[0]).toBe('Summe');
    expect(totals.slice(4).map(Number).filter((value, index) => index !== 1)).toEqual([
      page.sessions,
      page.teachingUnits,
      page.participants,
      page.participantDays,
      page.present,
      page.late,
      page.excused,
      page.absent,
      page.completions,
    ]);

    const sessions = csvPart(rows, 'Anwesenheit je Termin');
    expect(sessions).toHaveLength(5);
    expect(sessions[2]).toEqual(['Durchgang Frühjahr 2025', '24.03.2025', '09:00 Uhr – 16:00 Uhr', 'Modul 2', 'Bernd Äbersold, Trude Lehrer', '8', '0', '1', '1', '1']);

    // An organisation named like a formula is written as text (leading apostrophe).
    const organisations = csvPart(rows, 'Teilnehmende je Organisation');
    expect(organisations.slice(1)).toEqual([
      ["'=Gemeinde Özhausen", '3'],
      ['Stadt Änderstadt', '3'],
      ['Summe', String(page.participants)],
    ]);
    expect(text).not.toMatch(/(^|;)=Gemeinde/m);
    expect(csvPart(rows, 'So wird gezählt').map((row) => row[0])).toContain('Teilnehmendentage');
  });

  it('writes an XLSX with a formatted sheet per part whose totals equal the page', async () => {
    const page = totalsOn((await agent.get(`/reports/funder?${YEAR_2025}`)).text);
    const { body, headers } = await download(`/reports/funder.xlsx?${YEAR_2025}`);
    expect(headers['content-type']).toContain('spreadsheetml');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(body as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['Durchgänge', 'Anwesenheit je Termin', 'Organisationen je Durchgang', 'Teilnehmende je Organisation', 'So wird gezählt']);

    const sheet = workbook.getWorksheet('Durchgänge')!;
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getRow(1).font?.bold).toBe(true);
    expect(sheet.getColumn(1).width).toBe(36);
    const rows = sheetRows(sheet);
    expect(rows[1]!.slice(0, 9)).toEqual(['Durchgang Frühjahr 2025', 'Reihe Konfliktmanagement', '10.03.2025', '24.03.2025', 2, 'Bernd Äbersold, Trude Lehrer', 16, 3, 3]);
    const totals = rows[rows.length - 1]!;
    expect(sheet.getRow(rows.length).font?.bold).toBe(true);
    expect(totals[0]).toBe('Summe');
    expect([totals[4], totals[6], totals[7], totals[8], totals[9], totals[10], totals[11], totals[12], totals[13]]).toEqual([
      page.sessions,
      page.teachingUnits,
      page.participants,
      page.participantDays,
      page.present,
      page.late,
      page.excused,
      page.absent,
      page.completions,
    ]);

    // Text, never a formula, and kept as text when edited.
    const organisations = workbook.getWorksheet('Teilnehmende je Organisation')!;
    const hostile = organisations.getRow(2).getCell(1);
    expect(hostile.value).toBe('=Gemeinde Özhausen');
    expect(hostile.type).toBe(ExcelJS.ValueType.String);
    expect(hostile.numFmt).toBe('@');
    expect(sheetRows(workbook.getWorksheet('So wird gezählt')!)[1]).toEqual(['Zeitraum', '01.01.2025 – 31.12.2025']);
  });

  it('writes sessions delivered per trainer with subtotals, as CSV and XLSX', async () => {
    const { body } = await download(`/reports/trainers.csv?${YEAR_2025}`);
    const rows = parse(body.toString('utf8'), { delimiter: ';', bom: true, relax_column_count: true }) as string[][];
    const part = csvPart(rows, 'Einsätze je Referent:in');
    expect(part[0]).toEqual(['Referent:in', 'Datum', 'Uhrzeit', 'Durchgang', 'Termine', 'Dauer (Minuten)', 'Unterrichtseinheiten (UE)']);
    expect(part.slice(1)).toEqual([
      ['Äbersold, Bernd', '24.03.2025', '09:00 Uhr – 16:00 Uhr', 'Durchgang Frühjahr 2025', '1', '420', '8'],
      ['Äbersold, Bernd', '12.05.2025', '09:00 Uhr – 12:00 Uhr', 'Workshop Mai 2025', '1', '180', '0'],
      ['Äbersold, Bernd', '12.05.2025', '13:00 Uhr – 16:00 Uhr', 'Workshop Mai 2025', '1', '180', '0'],
      ['Zwischensumme Äbersold, Bernd', '', '', '', '3', '780', '8'],
      ['Lehrer, Trude', '10.03.2025', '09:00 Uhr – 16:00 Uhr', 'Durchgang Frühjahr 2025', '1', '420', '8'],
      ['Lehrer, Trude', '24.03.2025', '09:00 Uhr – 16:00 Uhr', 'Durchgang Frühjahr 2025', '1', '420', '8'],
      ['Zwischensumme Lehrer, Trude', '', '', '', '2', '840', '16'],
      ['Summe', '', '', '', '5', '1620', '24'],
    ]);

    const xlsx = await download(`/reports/trainers.xlsx?${YEAR_2025}`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheetRows(sheet).at(-1)).toEqual(['Summe', '', '', '', 5, 1620, 24]);
  });

  it('refuses the files to participants and trainers', async () => {
    for (const role of ['participant', 'trainer'] as const) {
      const other = await loginAs(ctx.app, await createUser(ctx.db, { role }));
      for (const path of ['/reports/funder.csv', '/reports/funder.xlsx', '/reports/trainers.csv', '/reports/trainers.xlsx']) expect((await other.get(path)).status).toBe(403);
    }
  });
});
