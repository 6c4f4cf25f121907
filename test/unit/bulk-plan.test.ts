import {
  decodeListFile,
  MAX_ROWS,
  parseBulkList,
  planBulkEnrollment,
  type BulkContext,
  type BulkRow,
  type KnownPerson,
  type PlannedRow,
} from '../../src/enrollment/bulk-plan';

function rowsOf(text: string): BulkRow[] {
  const parsed = parseBulkList(text);
  if (!parsed.ok) throw new Error(`expected the list to parse, got ${parsed.error}`);
  return parsed.rows;
}

const organisations = new Map([
  ['gemeinde musterhausen', { id: 7, name: 'Gemeinde Musterhausen' }],
  ['landratsamt beispielkreis', { id: 8, name: 'Landratsamt Beispielkreis' }],
]);

function context(overrides: Partial<BulkContext> = {}): BulkContext {
  return { people: new Map(), organisations, freeSeats: 10, waitlisted: 0, ...overrides };
}

const person = (userId: number, overrides: Partial<KnownPerson> = {}): KnownPerson => ({
  userId,
  active: true,
  name: `Vorhandene Person ${userId}`,
  organisationName: 'Gemeinde Musterhausen',
  activeEnrollment: null,
  ...overrides,
});

/** What the preview's last column would say, in short. */
function outcomes(rows: PlannedRow[]): string[] {
  return rows.map((row) => {
    switch (row.kind) {
      case 'invite':
      case 'enroll':
        return `${row.kind}:${row.placement.status}${row.placement.position ? `:${row.placement.position}` : ''}`;
      case 'alreadyEnrolled':
        return `already:${row.status}`;
      default:
        return row.error;
    }
  });
}

describe('reading a pasted or uploaded list', () => {
  it('reads a German Excel export: BOM, semicolons, header row, CRLF, umlauts', () => {
    const text = '\uFEFFE-Mail;Vorname;Nachname;Organisation\r\njürgen.weiß@gemeinde.example;Jürgen;Weiß;Gemeinde Musterhausen\r\nayse@gemeinde.example;Ayşe;Yılmaz;Landratsamt Beispielkreis\r\n';
    const parsed = parseBulkList(text);
    expect(parsed).toEqual({
      ok: true,
      hasHeader: true,
      rows: [
        { line: 2, email: 'jürgen.weiß@gemeinde.example', firstName: 'Jürgen', lastName: 'Weiß', organisation: 'Gemeinde Musterhausen' },
        { line: 3, email: 'ayse@gemeinde.example', firstName: 'Ayşe', lastName: 'Yılmaz', organisation: 'Landratsamt Beispielkreis' },
      ],
    });
  });

  it('accepts commas, and tabs from cells copied out of a spreadsheet', () => {
    expect(rowsOf('anna@a.example,Anna,Alt,Gemeinde Musterhausen')[0]).toMatchObject({ email: 'anna@a.example', firstName: 'Anna', lastName: 'Alt', organisation: 'Gemeinde Musterhausen' });
    expect(rowsOf('anna@a.example\tAnna\tAlt\tGemeinde Musterhausen')[0]).toMatchObject({ email: 'anna@a.example', lastName: 'Alt', organisation: 'Gemeinde Musterhausen' });
  });

  it('keeps a comma inside a semicolon file as part of the name', () => {
    expect(rowsOf('anna@a.example;Anna;Alt;"Stadt Beispiel, Ordnungsamt"')[0]?.organisation).toBe('Stadt Beispiel, Ordnungsamt');
    expect(rowsOf('anna@a.example;Anna;Alt;Stadt Beispiel, Ordnungsamt')[0]?.organisation).toBe('Stadt Beispiel, Ordnungsamt');
  });

  it('takes the column order from a header row', () => {
    const rows = rowsOf('Nachname;Vorname;E-Mail-Adresse\nAlt;Anna;anna@a.example');
    expect(rows).toEqual([{ line: 2, email: 'anna@a.example', firstName: 'Anna', lastName: 'Alt', organisation: '' }]);
  });

  it('needs no header row, and does not mistake a person without an address for one', () => {
    expect(rowsOf('anna@a.example;Anna;Alt')).toHaveLength(1);
    const rows = rowsOf('Anna;Alt\nbert@b.example;Bert;Bach');
    expect(rows.map((row) => row.line)).toEqual([1, 2]);
  });

  it('refuses a header row without an e-mail column', () => {
    expect(parseBulkList('Vorname;Nachname\nAnna;Alt')).toMatchObject({ ok: false, error: 'bulk.errors.headerWithoutEmail' });
  });

  it('skips blank lines and rows of empty cells, and reports real line numbers', () => {
    const rows = rowsOf('\n\nanna@a.example;Anna;Alt\n;;;\n   \n\nbert@b.example;Bert;Bach\n\n');
    expect(rows.map((row) => [row.line, row.email])).toEqual([
      [3, 'anna@a.example'],
      [7, 'bert@b.example'],
    ]);
  });

  it('trims spaces around cells', () => {
    expect(rowsOf('  anna@a.example ;  Anna ; Alt ')[0]).toMatchObject({ email: 'anna@a.example', firstName: 'Anna', lastName: 'Alt' });
  });

  it('says where a list with an unclosed quote stops being readable', () => {
    expect(parseBulkList('anna@a.example;Anna;Alt\n\nbert@b.example;"Bert;Bach\ncarl@c.example;Carl;Cord')).toEqual({ ok: false, error: 'bulk.errors.unreadableAfter', params: { line: 1 } });
    expect(parseBulkList('"anna@a.example;Anna;Alt\nbert@b.example;Bert;Bach')).toMatchObject({ ok: false, error: 'bulk.errors.unreadable' });
  });

  it('refuses an empty list and a list of only a header', () => {
    expect(parseBulkList('  \n\n')).toMatchObject({ ok: false, error: 'bulk.errors.empty' });
    expect(parseBulkList('\uFEFF')).toMatchObject({ ok: false, error: 'bulk.errors.empty' });
    expect(parseBulkList('E-Mail;Vorname;Nachname\n')).toMatchObject({ ok: false, error: 'bulk.errors.empty' });
  });

  it(`refuses more than ${MAX_ROWS} people at once`, () => {
    const lines = Array.from({ length: MAX_ROWS + 1 }, (_, index) => `p${index}@a.example;P;${index}`).join('\n');
    expect(parseBulkList(lines)).toEqual({ ok: false, error: 'bulk.errors.tooManyRows', params: { max: MAX_ROWS, count: MAX_ROWS + 1 } });
  });
});

describe('accepting an uploaded file', () => {
  const file = (content: Buffer | string, mimetype = 'text/csv', originalname = 'liste.csv') => ({
    buffer: Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'),
    mimetype,
    originalname,
  });

  it('decodes UTF-8 with and without BOM', () => {
    const withBom = decodeListFile(file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a@b.example;Jürgen;Weiß', 'utf8')])));
    expect(withBom).toEqual({ ok: true, text: 'a@b.example;Jürgen;Weiß' });
    expect(decodeListFile(file('a@b.example;Jürgen;Weiß', 'text/plain', 'liste.txt'))).toEqual({ ok: true, text: 'a@b.example;Jürgen;Weiß' });
  });

  it('accepts a .csv that a Windows browser labels as an Excel file', () => {
    expect(decodeListFile(file('a@b.example', 'application/vnd.ms-excel', 'liste.csv'))).toMatchObject({ ok: true });
    expect(decodeListFile(file('a@b.example', 'application/vnd.ms-excel', 'liste.xls'))).toMatchObject({ ok: false, error: 'bulk.errors.fileType' });
  });

  it('recognises an Excel workbook and says how to save it as CSV', () => {
    const xlsx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 1)]);
    expect(decodeListFile(file(xlsx, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'liste.xlsx'))).toMatchObject({ ok: false, error: 'bulk.errors.excelWorkbook' });
    // Even when the browser claims it's a CSV file.
    expect(decodeListFile(file(xlsx, 'text/csv', 'liste.csv'))).toMatchObject({ ok: false, error: 'bulk.errors.excelWorkbook' });
  });

  it('refuses binary content, other file types and non-UTF-8 text', () => {
    expect(decodeListFile(file(Buffer.from([0x61, 0x00, 0x62, 0x01, 0x02])))).toMatchObject({ ok: false, error: 'bulk.errors.binary' });
    expect(decodeListFile(file('%PDF-1.7', 'application/pdf', 'liste.pdf'))).toMatchObject({ ok: false, error: 'bulk.errors.fileType' });
    expect(decodeListFile(file(Buffer.from('a@b.example;J\u00fcrgen;Wei\u00df', 'latin1')))).toMatchObject({ ok: false, error: 'bulk.errors.notUtf8' });
    expect(decodeListFile(file(Buffer.from('\uFEFFa@b.example', 'utf16le')))).toMatchObject({ ok: false, error: 'bulk.errors.utf16' });
    expect(decodeListFile(file(Buffer.alloc(0)))).toMatchObject({ ok: false, error: 'bulk.errors.fileEmpty' });
  });
});

describe('planning what taking a list over would do', () => {
  it('invites new people and enrolls existing ones while seats are free, then waitlists behind those already waiting', () => {
    const rows = rowsOf(
      [
        'neu1@a.example;Nora;Neu;Gemeinde Musterhausen',
        'da@a.example',
        'neu2@a.example;Nils;Neu;landratsamt  beispielkreis',
        'neu3@a.example;Nina;Neu;GEMEINDE MUSTERHAUSEN',
      ].join('\n'),
    );
    const plan = planBulkEnrollment(rows, context({ people: new Map([['da@a.example', person(1)]]), freeSeats: 2, waitlisted: 3 }));
    expect(outcomes(plan.rows)).toEqual(['invite:confirmed', 'enroll:confirmed', 'invite:waitlisted:4', 'invite:waitlisted:5']);
    expect(plan.rows[2]).toMatchObject({ kind: 'invite', organisationId: 8, organisationName: 'Landratsamt Beispielkreis' });
    expect(plan.counts).toEqual({ rows: 4, invited: 3, enrolled: 1, confirmed: 2, waitlisted: 2, alreadyEnrolled: 0, errors: 0 });
    expect(plan.hasErrors).toBe(false);
  });

  it('starts the waitlist at place 1 when the offering is full and nobody waits yet', () => {
    const plan = planBulkEnrollment(rowsOf('a@a.example;A;A;Gemeinde Musterhausen\nb@a.example;B;B;Gemeinde Musterhausen'), context({ freeSeats: 0 }));
    expect(outcomes(plan.rows)).toEqual(['invite:waitlisted:1', 'invite:waitlisted:2']);
  });

  it('marks a repeated address (in any case) as a duplicate of its first line; the first one counts', () => {
    const plan = planBulkEnrollment(rowsOf('a@a.example;Anna;Alt;Gemeinde Musterhausen\n\nA@A.EXAMPLE;Anna;Alt;Gemeinde Musterhausen'), context());
    expect(outcomes(plan.rows)).toEqual(['invite:confirmed', 'bulk.rowErrors.duplicate']);
    expect(plan.rows[1]).toMatchObject({ line: 3, params: { line: 1 } });
    expect(plan.hasErrors).toBe(true);
  });

  it('rejects bad and missing e-mail addresses', () => {
    const plan = planBulkEnrollment(rowsOf('anna.example;Anna;Alt;Gemeinde Musterhausen\n;Bert;Bach;Gemeinde Musterhausen\ncarl@;Carl;Cord\nd @d.example;D;D'), context());
    expect(outcomes(plan.rows)).toEqual(['bulk.rowErrors.emailInvalid', 'bulk.rowErrors.emailMissing', 'bulk.rowErrors.emailInvalid', 'bulk.rowErrors.emailInvalid']);
  });

  it('needs names and a known, active organisation only for new accounts', () => {
    const plan = planBulkEnrollment(
      rowsOf(['neu@a.example;;Neu;Gemeinde Musterhausen', 'neu2@a.example;Nils;Neu', 'neu3@a.example;Nina;Neu;Gemeinde Nirgendwo', 'da@a.example;;;Gemeinde Nirgendwo'].join('\n')),
      context({ people: new Map([['da@a.example', person(1)]]) }),
    );
    expect(outcomes(plan.rows)).toEqual(['bulk.rowErrors.namesMissing', 'bulk.rowErrors.organisationMissing', 'bulk.rowErrors.organisationUnknown', 'enroll:confirmed']);
    expect(plan.rows[2]).toMatchObject({ params: { organisation: 'Gemeinde Nirgendwo' } });
  });

  it('reports deactivated accounts and people already enrolled; neither takes a seat', () => {
    const people = new Map([
      ['weg@a.example', person(1, { active: false })],
      ['schon@a.example', person(2, { activeEnrollment: 'waitlisted' })],
    ]);
    const plan = planBulkEnrollment(rowsOf('weg@a.example\nschon@a.example\nneu@a.example;Nora;Neu;Gemeinde Musterhausen'), context({ people, freeSeats: 1 }));
    expect(outcomes(plan.rows)).toEqual(['bulk.rowErrors.deactivated', 'already:waitlisted', 'invite:confirmed']);
    expect(plan.counts).toMatchObject({ alreadyEnrolled: 1, errors: 1, confirmed: 1 });
  });

  it('gives rows with errors no seat, so the places shown for the others stay right', () => {
    const plan = planBulkEnrollment(rowsOf('kaputt;A;A;Gemeinde Musterhausen\nb@a.example;B;B;Gemeinde Musterhausen\nc@a.example;C;C;Gemeinde Musterhausen'), context({ freeSeats: 1 }));
    expect(outcomes(plan.rows)).toEqual(['bulk.rowErrors.emailInvalid', 'invite:confirmed', 'invite:waitlisted:1']);
  });

  it('changes its fingerprint when the situation changes, and only then', () => {
    const rows = rowsOf('a@a.example;A;A;Gemeinde Musterhausen\nb@a.example;B;B;Gemeinde Musterhausen');
    const before = planBulkEnrollment(rows, context({ freeSeats: 2 }));
    expect(planBulkEnrollment(rows, context({ freeSeats: 2 })).fingerprint).toBe(before.fingerprint);
    expect(planBulkEnrollment(rows, context({ freeSeats: 1 })).fingerprint).not.toBe(before.fingerprint);
    expect(planBulkEnrollment(rows, context({ freeSeats: 2, people: new Map([['b@a.example', person(5)]]) })).fingerprint).not.toBe(before.fingerprint);
  });
});
