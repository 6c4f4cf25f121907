import { createHash } from 'node:crypto';
import { fromZonedTime } from 'date-fns-tz';
import type { Database } from '../../src/db/database';
import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createUser } from '../support/factories';
import { errorSummaryText, inputValue } from '../support/html';
import { loginAs, textOf, type Agent } from '../support/http';
import { addOffering, addSession, createReportsFixture, type ReportsFixture } from './reports.fixture';

/*
 * The funder report's fixture (reports.fixture.ts) plus, hand-computed for 2025:
 *   offerings 2 (spring series, May workshop; the 2024 workshop lies outside)
 *   confirmed enrollments 6 (3 + 3), waitlisted 1 (Wim Warte)
 *   marks of confirmed people: spring 6 (attended: Änne 2, Olaf 1, Paul 0), May 4 (Änne 2, Olaf 1)
 *     → 6 of 10 = 60 %; March 3 of 6 = 50 %, May 3 of 4 = 75 %
 *   completions 3 (Änne in both, Olaf in the workshop), as the funder report
 *   certificates: Änne valid 2025 → 1 (Olaf's revoked one and Rita's of 2024 do not count)
 *   organisations: =Gemeinde Özhausen 3, Stadt Änderstadt 3
 *   signed sheet uploaded for s1 only → 3 missing: s2, s3, s4, oldest first
 *   at risk: module 2 has a session next year, so Olaf (missed module 2) can make it up;
 *     Paul (missed both) cannot make up module 1 → 1 person, Pütz
 */
const NEXT_YEAR = Number(new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric' }).format(new Date())) + 1;
const at = (local: string) => fromZonedTime(local, 'Europe/Berlin');

let serial = 0;
async function addCertificate(db: Database, userId: number, programmeId: number, offeringId: number, issuedAt: string, revoked = false): Promise<void> {
  serial += 1;
  const pdf = Buffer.from(`%PDF-1.4 Zertifikat ${serial}`);
  await db('certificates').insert({
    serial: `2025-${String(serial).padStart(5, '0')}`,
    serial_year: 2025,
    serial_number: serial,
    verification_code: `ABCDEFGHJKMNPQRSTV${String(serial).padStart(2, '0')}`,
    user_id: userId,
    programme_id: programmeId,
    offering_id: offeringId,
    subject_key: `offering:${offeringId}`,
    kind: 'certificate',
    status: revoked ? 'revoked' : 'valid',
    revoked_at: revoked ? at('2025-07-01T10:00') : null,
    revocation_reason: revoked ? 'Irrtum' : null,
    snapshot: JSON.stringify({}),
    pdf,
    pdf_sha256: createHash('sha256').update(pdf).digest('hex'),
    issued_at: at(issuedAt),
  });
}

async function addSignedSheet(db: Database, sessionId: number, uploadedBy: number): Promise<void> {
  const bytes = Buffer.from('%PDF-1.4 unterschrieben');
  await db('signed_sheets').insert({ session_id: sessionId, original_name: 'liste.pdf', content_type: 'application/pdf', size_bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), bytes, uploaded_by: uploadedBy });
}

async function userId(db: Database, lastName: string): Promise<number> {
  const row = (await db('users').first('id').where({ last_name: lastName })) as { id: number };
  return row.id;
}

/** The figures as a person reads them: the cell after each heading of the figures table. */
function figuresOn(html: string): Record<string, string> {
  return Object.fromEntries([...html.matchAll(/data-start="(\w+)">([^<]*)</g)].map((match) => [match[1]!, textOf(match[2]!)]));
}

/** Rows of a table (by id) as arrays of cell texts. */
function tableRows(html: string, id: string): string[][] {
  const table = html.split(`id="${id}"`)[1]?.split('</table>')[0] ?? '';
  const body = table.split('<tbody')[1] ?? '';
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => textOf(cell[1]!)));
}

function svgOf(html: string, id: string): string {
  return `<svg${html.split('<svg').find((part) => part.includes(`id="${id}"`))?.split('</svg>')[0] ?? ''}`;
}

describe('coordinator figures (/reports/overview)', () => {
  const ctx = useTestApp();
  let fixture: ReportsFixture;
  let agent: Agent;

  beforeEach(async () => {
    fixture = await createReportsFixture(ctx.db);
    const [s1] = fixture.sessions;
    await addSignedSheet(ctx.db, s1!, fixture.coordinator.id);
    await addCertificate(ctx.db, await userId(ctx.db, 'Ähnlich'), fixture.seriesId, fixture.offerings.spring, '2025-04-01T10:00');
    await addCertificate(ctx.db, await userId(ctx.db, 'Özkan'), fixture.workshopId, fixture.offerings.may, '2025-05-20T10:00', true);
    await addCertificate(ctx.db, await userId(ctx.db, 'Rüdiger'), fixture.workshopId, fixture.offerings.old, '2024-11-10T10:00');
    // Next year's cohort offers module 2 again: a make-up date for whoever missed only that.
    const outline = (await ctx.db('modules').select('id').where({ programme_id: fixture.seriesId }).orderBy('position')) as { id: number }[];
    const autumn = await addOffering(ctx.db, fixture.seriesId, `Durchgang ${NEXT_YEAR}`);
    await addSession(ctx.db, autumn, `${NEXT_YEAR}-03-15T09:00`, `${NEXT_YEAR}-03-15T16:00`, outline[1]!.id, []);
    agent = await loginAs(ctx.app, fixture.coordinator);
  });

  it('shows every figure of 2025 as computed by hand, with its definition', async () => {
    const response = await agent.get('/reports/overview?year=2025');
    expect(response.status).toBe(200);
    expect(figuresOn(response.text)).toEqual({
      offerings: '2',
      enrollments: '6',
      waitlisted: '1',
      attendanceRate: '60 % (6 von 10 Einträgen)',
      completions: '3',
      certificates: '1',
    });
    const text = textOf(response.text);
    expect(text).toContain('Jahr 2025, Alle Angebote');
    expect(text).toContain('Anteil der Anwesenheitseinträge „anwesend“ oder „verspätet“ an allen Einträgen');
    expect(tableRows(response.text, 'start-organisations')).toEqual([
      ['=Gemeinde Özhausen', '3'],
      ['Stadt Änderstadt', '3'],
    ]);
    const months = tableRows(response.text, 'start-months');
    expect(months).toHaveLength(12);
    expect(months[2]).toEqual(['März 2025', '3', '6', '50 %']);
    expect(months[4]).toEqual(['Mai 2025', '3', '4', '75 %']);
    expect(months[0]).toEqual(['Januar 2025', '0', '0', '–']);
    // Past year: no upcoming sessions; missing proofs oldest first; the one person at risk.
    expect(text).toContain('Keine kommenden Termine mit freien Plätzen.');
    expect(text).toContain('Fehlende Unterschriftenlisten: 3 Termine');
    const missing = textOf(response.text.split('id="start-missing-sheets"')[1]!.split('</ul>')[0]!);
    expect(missing).toMatch(/24\.03\.2025.*12\.05\.2025, 09:00–12:00 Uhr.*12\.05\.2025, 13:00–16:00 Uhr/);
    expect(missing).not.toContain('10.03.2025');
    expect(text).toContain('Abschluss gefährdet: 1 Person');
    expect(text).toContain('Pütz, Paul (Durchgang Frühjahr 2025): kein Nachholtermin für Modul 1');
    expect(text).not.toContain('Özkan, Olaf (Durchgang');
    expect(response.text).toContain('href="/reports/people?q=Paul%20P%C3%BCtz"');
  });

  it('shows the same figures on the coordinator\'s start page, whose form comes back to it', async () => {
    const start = await agent.get('/?year=2025');
    expect(start.status).toBe(200);
    expect(figuresOn(start.text)).toEqual(figuresOn((await agent.get('/reports/overview?year=2025')).text));
    expect(start.text).toContain('<form method="get" action="/"');
    expect(textOf(start.text)).toContain('Ihre Arbeitsbereiche');
    const refused = await agent.get('/?year=zwanzig');
    expect(refused.status).toBe(422);
    expect(errorSummaryText(refused.text)).not.toBe('');
    expect(inputValue(refused.text, 'year')).toBe('zwanzig');
    // The figures cost the start page a fixed handful of statements, session and user included.
    expect(await countQueries(ctx.db, () => agent.get('/?year=2025').expect(200))).toBeLessThanOrEqual(6);
  });

  it('means the same as the funder report for the same calendar year', async () => {
    const funder = await agent.get('/reports/funder?from=2025-01-01&to=2025-12-31');
    const totals = Object.fromEntries([...funder.text.matchAll(/data-total="(\w+)">(\d+)</g)].map((match) => [match[1]!, match[2]!]));
    const figures = figuresOn((await agent.get('/reports/overview?year=2025')).text);
    expect(figures.offerings).toBe(totals.offerings);
    expect(figures.enrollments).toBe(totals.participants);
    expect(figures.completions).toBe(totals.completions);
  });

  it('draws both charts as accessible SVG with the numbers of the table below', async () => {
    const response = await agent.get('/reports/overview?year=2025');
    for (const id of ['chart-organisations', 'chart-attendance-months']) {
      const svg = svgOf(response.text, id);
      expect(svg).toContain('role="img"');
      expect(svg).toContain(`aria-labelledby="${id}-title ${id}-desc"`);
      expect(svg).toMatch(new RegExp(`<title id="${id}-title">[^<]+</title>`));
      expect(svg).toMatch(new RegExp(`<desc id="${id}-desc">[^<]+</desc>`));
    }
    const bars = svgOf(response.text, 'chart-organisations');
    const barTexts = [...bars.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => textOf(match[1]!));
    expect(barTexts).toEqual(['=Gemeinde Özhausen', '3', 'Stadt Änderstadt', '3']);
    expect(textOf(bars)).toContain('=Gemeinde Özhausen: 3; Stadt Änderstadt: 3');
    const columns = svgOf(response.text, 'chart-attendance-months');
    const columnTexts = [...columns.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => textOf(match[1]!));
    // Value above each column, then its month: the same rates as the table's last column.
    const rates = columnTexts.filter((_, index) => index % 2 === 0);
    expect(rates).toEqual(tableRows(response.text, 'start-months').map((row) => row[3]));
    expect(textOf(columns)).toContain('März 2025: 50 %; Mai 2025: 75 %');
  });

  it('filters by programme and lists upcoming sessions with free seats', async () => {
    const workshops = await agent.get(`/reports/overview?year=2025&programme=${fixture.workshopId}`);
    expect(figuresOn(workshops.text)).toEqual({ offerings: '1', enrollments: '3', waitlisted: '0', attendanceRate: '75 % (3 von 4 Einträgen)', completions: '2', certificates: '0' });
    expect(textOf(workshops.text)).toContain('Jahr 2025, Workshop Extremismus');
    expect(textOf(workshops.text)).toContain('Abschluss gefährdet: 0 Personen');

    const full = await addOffering(ctx.db, fixture.workshopId, 'Workshop ausgebucht');
    await ctx.db('offerings').where({ id: full }).update({ capacity: 1 });
    await addSession(ctx.db, full, `${NEXT_YEAR}-02-01T09:00`, `${NEXT_YEAR}-02-01T12:00`, null, []);
    await ctx.db('enrollments').insert({ offering_id: full, user_id: await userId(ctx.db, 'Ähnlich'), status: 'confirmed' });
    const upcoming = await agent.get(`/reports/overview?year=${NEXT_YEAR}`);
    const list = textOf(upcoming.text.split('id="start-upcoming"')[1]!.split('</ul>')[0]!);
    expect(list).toContain(`Durchgang ${NEXT_YEAR} – Modul 2: 15.03.${NEXT_YEAR}, 09:00–16:00 Uhr, Landratsamt; 200 freie Plätze`);
    expect(list).not.toContain('ausgebucht');
  });

  it('defaults to this year, refuses a bad year in German with the input, and an unknown programme', async () => {
    const year = String(NEXT_YEAR - 1);
    const response = await agent.get('/reports/overview');
    expect(response.status).toBe(200);
    expect(inputValue(response.text, 'year')).toBe(year);
    expect(textOf(response.text)).toContain(`Jahr ${year}, Alle Angebote`);

    const bad = await agent.get('/reports/overview?year=20x5');
    expect(bad.status).toBe(422);
    expect(errorSummaryText(bad.text)).toContain('Jahr mit vier Ziffern');
    expect(inputValue(bad.text, 'year')).toBe('20x5');
    expect((await agent.get('/reports/overview?programme=999999')).status).toBe(404);
  });

  it('is only for coordination', async () => {
    for (const role of ['participant', 'trainer'] as const) {
      const other = await loginAs(ctx.app, await createUser(ctx.db, { role }));
      expect((await other.get('/reports/overview?year=2025')).status).toBe(403);
    }
    const admin = await loginAs(ctx.app, await createUser(ctx.db, { role: 'admin' }));
    expect((await admin.get('/reports/overview?year=2025')).status).toBe(200);
  });

  it('costs the same few statements for small and large data', async () => {
    await agent.get('/reports/overview?year=2025');
    const small = await countQueries(ctx.db, () => agent.get('/reports/overview?year=2025'));
    for (let index = 1; index <= 12; index += 1) {
      const offering = await addOffering(ctx.db, fixture.workshopId, `Workshop Nummer ${index}`);
      const session = await addSession(ctx.db, offering, `2025-06-${String(index).padStart(2, '0')}T09:00`, `2025-06-${String(index).padStart(2, '0')}T12:00`, null, []);
      for (let person = 0; person < 5; person += 1) {
        const user = await createUser(ctx.db);
        await ctx.db('enrollments').insert({ offering_id: offering, user_id: user.id, status: 'confirmed' });
        await ctx.db('attendance_records').insert({ session_id: session, user_id: user.id, status: person === 0 ? 'absent' : 'present', source: 'roll_call' });
      }
    }
    let page = '';
    const large = await countQueries(ctx.db, async () => {
      page = (await agent.get('/reports/overview?year=2025')).text;
    });
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(6);
    // Every new person brings an organisation of their own: ten are named, the rest summed as "others".
    expect(figuresOn(page)).toMatchObject({ offerings: '14', enrollments: '66', completions: '51' });
    const organisations = tableRows(page, 'start-organisations');
    expect(organisations).toHaveLength(11);
    expect(organisations[10]![0]).toBe('Weitere Organisationen');
    expect(organisations.reduce((sum, row) => sum + Number(row[1]), 0)).toBe(66);
  });
});
