import { neutraliseFormula, toCsv } from '../../src/shared/csv';

const BOM = '\ufeff';

describe('CSV for a German Excel, safe against formula injection', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","klick")', `'=HYPERLINK("http://evil.example","klick")`],
    ['+SUM(1)', `'+SUM(1)`],
    ['-2+3', `'-2+3`],
    ['@cmd', `'@cmd`],
    ['\t=1+1', `'\t=1+1`],
    ['\r=1+1', `'\r=1+1`],
  ])('prefixes %j with an apostrophe', (input, expected) => {
    expect(neutraliseFormula(input)).toBe(expected);
  });

  it.each(['Erika Mustermann', 'Müller-Lüdenscheidt', 'a=b', 'person@gemeinde.example', '25.11.2026', ''])('leaves %j as it is', (input) => {
    expect(neutraliseFormula(input)).toBe(input);
  });

  it('writes BOM, semicolons and CRLF; text cells neutralised, numbers kept as numbers', () => {
    const csv = toCsv([
      ['Name', 'Anzahl'],
      ['=HYPERLINK("http://evil.example","klick")', 3],
      ['-2+3', -2],
    ]);
    expect(csv).toBe(`${BOM}Name;Anzahl\r\n"'=HYPERLINK(""http://evil.example"",""klick"")";3\r\n'-2+3;-2\r\n`);
  });

  it('quotes a cell with a semicolon or a line break instead of splitting it', () => {
    expect(toCsv([['Amt; Abteilung', 'Zeile 1\nZeile 2']])).toBe(`${BOM}"Amt; Abteilung";"Zeile 1\nZeile 2"\r\n`);
  });
});
