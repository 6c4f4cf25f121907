import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { auditRouter } from '../../src/audit/audit.routes';
import type { AuditLog } from '../../src/audit/audit.service';
import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createUser, type TestUser } from '../support/factories';
import { binaryParser, loginAs, textOf, type Agent } from '../support/http';
import { routesInApp } from '../support/routes';

/** Time, actor, action and subject of each entry a page shows, top to bottom. */
function pageCells(html: string): string[][] {
  return [...html.matchAll(/<tr class="kern-table__row" data-entry="\d+">([\s\S]*?)<\/tr>/g)].map((match) => {
    const row = match[1]!;
    const time = textOf(/<th scope="row"[^>]*>([\s\S]*?)<\/th>/.exec(row)?.[1] ?? '');
    const cell = (name: string) => textOf(new RegExp(`data-cell="${name}">([\\s\\S]*?)</td>`).exec(row)?.[1] ?? '');
    return [time, cell('actor'), cell('action'), cell('subject')];
  });
}

async function download(agent: Agent, url: string): Promise<{ status: number; type: string; disposition: string; body: Buffer }> {
  const response = await agent.get(url).buffer(true).parse(binaryParser);
  return { status: response.status, type: String(response.headers['content-type']), disposition: String(response.headers['content-disposition']), body: response.body as Buffer };
}

const readCsv = (bytes: Buffer): string[][] => parse(bytes.toString('utf8'), { delimiter: ';', bom: true, relax_column_count: true });

describe('audit trail export /audit.csv and /audit.xlsx', () => {
  const ctx = useTestApp();
  let admin: TestUser;
  let coordinator: TestUser;
  let offeringId: number;
  let sessionId: number;

  beforeEach(async () => {
    admin = await createUser(ctx.db, { role: 'admin', firstName: 'Ada', lastName: 'Verwalterin' });
    // A name that a spreadsheet would run as a formula if it were written as it is.
    coordinator = await createUser(ctx.db, { role: 'coordinator', firstName: '=SUMME(1+1)', lastName: 'Weißbach' });
    const programme = await createProgramme(ctx.db);
    const offering = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop Gößnitz' });
    offeringId = offering.id;
    sessionId = offering.sessionIds[0]!;
    await ctx.db('audit_events').insert([
      { occurred_at: new Date('2026-11-25T08:30:00Z'), actor_user_id: coordinator.id, action: 'offering.capacity_changed', subject_type: 'offering', subject_id: String(offering.id), before: JSON.stringify({ capacity: 12 }), after: JSON.stringify({ capacity: 20 }), ip: '192.168.17.23' },
      { occurred_at: new Date('2026-11-25T09:00:00Z'), actor_user_id: coordinator.id, action: 'offering.updated', subject_type: 'offering', subject_id: String(offering.id), before: JSON.stringify({ title: 'Workshop Gotha', location: 'Saal 1' }), after: JSON.stringify({ title: 'Workshop Gößnitz', location: 'Saal 2' }), ip: '10.0.0.7' },
      { occurred_at: new Date('2026-11-26T10:00:00Z'), actor_user_id: admin.id, action: 'session.updated', subject_type: 'session', subject_id: String(offering.sessionIds[0]), ip: null },
      { occurred_at: new Date('2026-11-26T11:00:00Z'), actor_user_id: admin.id, action: 'user.role_changed', subject_type: 'user', subject_id: String(coordinator.id), before: JSON.stringify({ role: 'participant' }), after: JSON.stringify({ role: 'coordinator' }), ip: '10.0.0.8' },
    ]);
  });

  it('writes CSV for a German Excel: BOM, semicolons, umlauts, Berlin time, changes as "Feld: alt → neu", short IPs, a formula-like name neutralised, the rows of the page', async () => {
    const agent = await loginAs(ctx.app, admin);
    const filter = `offering=${offeringId}&from=2026-11-01&to=2026-11-30`;
    const file = await download(agent, `/audit.csv?${filter}`);
    expect(file.status).toBe(200);
    expect(file.type).toBe('text/csv; charset=utf-8');
    expect(file.disposition).toBe('attachment; filename="Protokoll.csv"');
    expect([...file.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(file.body.toString('utf8').split('\r\n')[0]).toBe('\uFEFFZeitpunkt;Ausgeführt von;Vorgang;Betroffen;Änderung;IP-Adresse (gekürzt)');
    const [head, ...rows] = readCsv(file.body);
    expect(head).toHaveLength(6);
    expect(rows).toEqual([
      ['26.11.2026, 11:00 Uhr', 'Ada Verwalterin', 'Termin geändert', `Termin Nr. ${sessionId}`, '', ''],
      ['25.11.2026, 10:00 Uhr', "'=SUMME(1+1) Weißbach", 'Durchgang geändert', `Durchgang Nr. ${offeringId}`, 'Titel: Workshop Gotha → Workshop Gößnitz\nOrt: Saal 1 → Saal 2', '10.0.*.*'],
      ['25.11.2026, 09:30 Uhr', "'=SUMME(1+1) Weißbach", 'Plätze geändert', `Durchgang Nr. ${offeringId}`, 'Plätze: 12 → 20', '192.168.*.*'],
    ]);
    // The same entries, in the same order, as the page with the same filter.
    const page = await agent.get(`/audit?${filter}`);
    expect(pageCells(page.text)).toEqual(rows.map((row) => [row[0], row[1]!.replace(/^'/, ''), row[2], row[3]]));
    expect(page.text).toContain(`href="/audit.csv?offering=${offeringId}&amp;from=2026-11-01&amp;to=2026-11-30"`);
    expect(file.body.toString('utf8')).not.toContain('192.168.17.23');
  });

  it('writes XLSX with a bold frozen header, column widths, the changes one a line and formula-like text as text', async () => {
    const agent = await loginAs(ctx.app, admin);
    const file = await download(agent, `/audit.xlsx?offering=${offeringId}`);
    expect(file.status).toBe(200);
    expect(file.type).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.body as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Protokoll')!;
    expect(sheet.getRow(1).values).toEqual([undefined, 'Zeitpunkt', 'Ausgeführt von', 'Vorgang', 'Betroffen', 'Änderung', 'IP-Adresse (gekürzt)']);
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getColumn(5).width).toBe(60);
    expect(sheet.rowCount).toBe(4);
    const changed = sheet.getRow(3);
    expect(changed.getCell(2).value).toBe('=SUMME(1+1) Weißbach');
    expect(changed.getCell(2).type).toBe(ExcelJS.ValueType.String);
    expect(changed.getCell(2).numFmt).toBe('@');
    expect(changed.getCell(5).value).toBe('Titel: Workshop Gotha → Workshop Gößnitz\nOrt: Saal 1 → Saal 2');
    expect(changed.getCell(1).value).toBe('25.11.2026, 10:00 Uhr');
  });

  it('gives a coordinator the entries about programmes only, as on the page', async () => {
    const agent = await loginAs(ctx.app, coordinator);
    const [, ...rows] = readCsv((await download(agent, '/audit.csv')).body);
    expect(rows.map((row) => row[2])).toEqual(['Termin geändert', 'Durchgang geändert', 'Plätze geändert']);
    const admins = readCsv((await download(await loginAs(ctx.app, admin), '/audit.csv?action=user.role_changed')).body);
    expect(admins.slice(1).map((row) => row[2])).toEqual(['Rolle geändert']);
  });

  it('re-renders the filter with the German message when the filter cannot be used, instead of a file', async () => {
    const agent = await loginAs(ctx.app, admin);
    const response = await agent.get('/audit.csv?from=2026-02-30');
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toContain('text/html');
    expect(textOf(response.text)).toContain('Bitte geben Sie ein gültiges Datum ein');
  });

  it('stops at 50,000 rows, newest first, and says so in the file', async () => {
    await ctx.db.raw(`INSERT INTO audit_events (occurred_at, actor_user_id, action, subject_type, subject_id)
      SELECT timestamptz '2026-01-01 00:00:00+00' + n * interval '1 second', ?, 'module.updated', 'module', '1' FROM generate_series(1, 50001) AS n`, [admin.id]);
    const agent = await loginAs(ctx.app, admin);
    const rows = readCsv((await download(agent, '/audit.csv?action=module.updated')).body);
    expect(rows).toHaveLength(1 + 50_000 + 1);
    expect(rows[1]![0]).toBe('01.01.2026, 14:53 Uhr'); // the newest: 1 January 00:00 UTC + 50,001 s = 13:53 UTC, 14:53 in Berlin
    expect(rows.at(-2)![0]).toBe('01.01.2026, 01:00 Uhr');
    expect(rows.at(-1)).toEqual(['Die Datei enthält nur die neuesten 50.000 Einträge dieser Auswahl. Bitte grenzen Sie den Filter ein (z. B. den Zeitraum), um ältere Einträge herunterzuladen.']);
  }, 60_000);
});

describe('entries cannot be changed through the app', () => {
  const ctx = useTestApp();

  it('has only GET routes for the trail', () => {
    const router = auditRouter({} as AuditLog) as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    const methods = router.stack.flatMap((layer) => Object.keys(layer.route?.methods ?? {}).map((method) => `${method.toUpperCase()} ${layer.route!.path}`));
    expect(methods).toEqual(['GET /audit', 'GET /audit.csv', 'GET /audit.xlsx', 'GET /admin/audit']);
    expect(routesInApp(ctx.app).filter((route) => route.includes('audit') && !route.startsWith('GET '))).toEqual([]);
  });

  it('is refused by the database: no UPDATE and no DELETE, except shortening the IP address', async () => {
    await ctx.db('audit_events').insert({ action: 'offering.updated', subject_type: 'offering', subject_id: '1', ip: '192.168.17.23', after: JSON.stringify({ title: 'Alt' }) });
    const [id] = await ctx.db('audit_events').where({ action: 'offering.updated' }).pluck('id');
    await expect(ctx.db('audit_events').where({ id }).update({ action: 'offering.cancelled' })).rejects.toThrow(/append-only/);
    await expect(ctx.db('audit_events').where({ id }).update({ after: JSON.stringify({ title: 'Neu' }) })).rejects.toThrow(/append-only/);
    await expect(ctx.db('audit_events').where({ id }).update({ ip: '10.0.0.1' })).rejects.toThrow(/append-only/);
    await expect(ctx.db('audit_events').where({ id }).del()).rejects.toThrow(/append-only/);
    // The one change the Löschkonzept makes: the address shortened to its network.
    await ctx.db('audit_events').where({ id }).update({ ip: ctx.db.raw('audit_shorten_ip(ip)') });
    expect(await ctx.db('audit_events').where({ id }).first('action', 'ip', 'after')).toEqual({ action: 'offering.updated', ip: '192.168.17.0', after: { title: 'Alt' } });
  });
});
