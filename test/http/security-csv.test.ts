import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { useTestApp } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { createOrganisation, createUser } from '../support/factories';
import { binaryParser, loginAs } from '../support/http';

const HYPERLINK = '=HYPERLINK("http://evil.example","klick")';

describe('exports neutralise spreadsheet formulas (CSV injection)', () => {
  const ctx = useTestApp();

  /** People whose names, organisation and department a spreadsheet would run as formulas. */
  async function offeringWithHostileNames() {
    // Started an hour ago: attendance counts only for sessions that have begun.
    const offering = await createOffering(ctx.db, { startsInDays: -1 / 24, registrationClosesInDays: -0.5 });
    const organisation = await createOrganisation(ctx.db, { name: '@Gemeinde Testhausen' });
    const people: [string, string][] = [
      [HYPERLINK, 'Angriff'],
      ['Summe', '+SUM(1)'],
      ['Rechnung', '-2+3'],
      ['Befehl', '@cmd'],
      ['Erika', 'Mustermann'],
    ];
    for (const [firstName, lastName] of people) {
      const person = await createUser(ctx.db, { firstName, lastName, organisationId: organisation.id });
      await ctx.db('users').where('id', person.id).update({ department: '\t=1+1' });
      await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
    }
    await ctx.db('attendance_records').insert({ session_id: offering.sessionIds[0]!, user_id: (await ctx.db('users').where('last_name', 'Mustermann').first()).id, status: 'present', source: 'roll_call' });
    return offering;
  }

  async function download(offeringId: number, extension: 'csv' | 'xlsx') {
    const agent = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
    const response = await agent.get(`/manage/offerings/${offeringId}/attendance.${extension}`).buffer(true).parse(binaryParser);
    expect(response.status).toBe(200);
    return response.body as Buffer;
  }

  it('prefixes every CSV cell that starts with = + - @ tab or CR with an apostrophe, and leaves the rest alone', async () => {
    const offering = await offeringWithHostileNames();
    const rows = parse((await download(offering.id, 'csv')).toString('utf8'), { delimiter: ';', bom: true, relax_column_count: true }) as string[][];
    const [head, ...body] = rows;
    expect(head!.slice(0, 5)).toEqual(['Nachname', 'Vorname', 'E-Mail', 'Organisation', 'Fachbereich']);
    const byLastName = (lastName: string) => body.find((row) => row[0] === lastName || row[0] === `'${lastName}`)!;

    expect(byLastName('Angriff')[1]).toBe(`'${HYPERLINK}`);
    expect(byLastName('+SUM(1)')[0]).toBe("'+SUM(1)");
    expect(byLastName('-2+3')[0]).toBe("'-2+3");
    expect(byLastName('@cmd')[0]).toBe("'@cmd");
    expect(byLastName('Angriff')[3]).toBe("'@Gemeinde Testhausen");
    expect(byLastName('Angriff')[4]).toBe("'\t=1+1");
    // Ordinary cells are not touched: names, e-mail, the date column, status and "completed".
    const ordinary = byLastName('Mustermann');
    expect(ordinary.slice(0, 2)).toEqual(['Mustermann', 'Erika']);
    expect(ordinary[2]).toMatch(/^person\d+@gemeinde\.example$/);
    expect(head![5]).toMatch(/^\d{2}\.\d{2}\.\d{4}$/);
    expect(ordinary.slice(5)).toEqual(['anwesend', 'Ja']);
    // No cell anywhere starts a formula.
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('stores a formula-like name in the XLSX as literal text in text format, never as a formula', async () => {
    const offering = await offeringWithHostileNames();
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await download(offering.id, 'xlsx')) as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Anwesenheit')!;
    const cells: ExcelJS.Cell[] = [];
    sheet.eachRow((row) => row.eachCell((cell) => cells.push(cell)));
    const hostile = cells.find((cell) => cell.value === HYPERLINK);
    expect(hostile).toBeDefined();
    expect(hostile!.type).toBe(ExcelJS.ValueType.String);
    expect(hostile!.formula).toBeUndefined();
    // Text format: Excel keeps the cell text even when somebody edits it and presses Enter.
    expect(hostile!.numFmt).toBe('@');
    for (const text of ['+SUM(1)', '-2+3', '@cmd', '@Gemeinde Testhausen', '\t=1+1']) {
      const cell = cells.find((candidate) => candidate.value === text);
      expect({ text, type: cell?.type, numFmt: cell?.numFmt }).toEqual({ text, type: ExcelJS.ValueType.String, numFmt: '@' });
    }
    expect(cells.some((cell) => cell.type === ExcelJS.ValueType.Formula)).toBe(false);
  });
});
