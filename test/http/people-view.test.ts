import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createUser } from '../support/factories';
import { errorSummaryText, inputValue } from '../support/html';
import { loginAs, textOf, type Agent } from '../support/http';
import { createReportsFixture, type ReportsFixture } from './reports.fixture';

/*
 * The funder report's fixture (reports.fixture.ts), per person across all programmes,
 * computed by hand (attendance: marks in offerings where the person holds a confirmed seat):
 *   Ähnlich, Änne    town     confirmed 2, attendance 4 of 4, certificate 1
 *   Gegangen, Gerd   village  cancelled 1 (his mark does not count: no confirmed seat), 0 of 0
 *   Özkan, Olaf      village  confirmed 2, 2 of 4
 *   Pütz, Paul       town     confirmed 1, 0 of 2
 *   Rüdiger, Rita    village  confirmed 2, 1 of 1 (2024), certificate 1
 *   Warte, Wim       town     waitlisted 1, 0 of 0
 * Trainers and the coordinator never enrolled: not listed.
 */
const ORDER = ['Ähnlich, Änne', 'Gegangen, Gerd', 'Özkan, Olaf', 'Pütz, Paul', 'Rüdiger, Rita', 'Warte, Wim'];

/** Each row of the person table: name and the cells a person reads. */
function peopleOn(html: string): { name: string; confirmed: string; waitlisted: string; cancelled: string; attendance: string; certificates: string }[] {
  const body = html.split('id="people"')[1]?.split('</table>')[0] ?? '';
  return [...body.matchAll(/<tr class="kern-table__row" data-person="\d+">([\s\S]*?)<\/tr>/g)].map((match) => {
    const row = match[1]!;
    const cell = (name: string) => textOf(new RegExp(`data-cell="${name}">([^<]*)<`).exec(row)?.[1] ?? '');
    const name = textOf(/<th[^>]*>([\s\S]*?)<br>/.exec(row)?.[1] ?? '');
    return { name, confirmed: cell('confirmed'), waitlisted: cell('waitlisted'), cancelled: cell('cancelled'), attendance: cell('attendance'), certificates: cell('certificates') };
  });
}

const names = (html: string) => peopleOn(html).map((row) => row.name);

async function certify(ctx: ReturnType<typeof useTestApp>, lastName: string, programmeId: number, offeringId: number, code: string): Promise<void> {
  const { id } = (await ctx.db('users').first('id').where({ last_name: lastName })) as { id: number };
  await ctx.db('certificates').insert({
    serial: `2025-${code}`,
    serial_year: 2025,
    serial_number: Number(code),
    verification_code: `ABCDEFGHJKMNPQRSTV${code}`,
    user_id: id,
    programme_id: programmeId,
    offering_id: offeringId,
    subject_key: `offering:${offeringId}`,
    kind: 'confirmation',
    snapshot: JSON.stringify({}),
    pdf: Buffer.from('%PDF'),
    pdf_sha256: 'a'.repeat(64),
  });
}

describe('person view (/reports/people)', () => {
  const ctx = useTestApp();
  let fixture: ReportsFixture;
  let agent: Agent;

  beforeEach(async () => {
    fixture = await createReportsFixture(ctx.db);
    await certify(ctx, 'Ähnlich', fixture.seriesId, fixture.offerings.spring, '01');
    await certify(ctx, 'Rüdiger', fixture.workshopId, fixture.offerings.old, '02');
    agent = await loginAs(ctx.app, fixture.coordinator);
  });

  it('shows one row per person in German name order with enrollments, attendance and certificates', async () => {
    const response = await agent.get('/reports/people');
    expect(response.status).toBe(200);
    expect(textOf(response.text)).toContain('6 Personen gefunden.');
    expect(peopleOn(response.text)).toEqual([
      { name: 'Ähnlich, Änne', confirmed: '2', waitlisted: '0', cancelled: '0', attendance: '4 von 4', certificates: '1' },
      { name: 'Gegangen, Gerd', confirmed: '0', waitlisted: '0', cancelled: '1', attendance: '0 von 0', certificates: '0' },
      { name: 'Özkan, Olaf', confirmed: '2', waitlisted: '0', cancelled: '0', attendance: '2 von 4', certificates: '0' },
      { name: 'Pütz, Paul', confirmed: '1', waitlisted: '0', cancelled: '0', attendance: '0 von 2', certificates: '0' },
      { name: 'Rüdiger, Rita', confirmed: '2', waitlisted: '0', cancelled: '0', attendance: '1 von 1', certificates: '1' },
      { name: 'Warte, Wim', confirmed: '0', waitlisted: '1', cancelled: '0', attendance: '0 von 0', certificates: '0' },
    ]);
    // Coordinators do not manage accounts: the names are no links for them.
    expect(response.text).not.toMatch(/href="\/admin\/users\/\d+"/);
  });

  it('filters by status, organisation and a name or e-mail search, and keeps the filter in the form', async () => {
    expect(names((await agent.get('/reports/people?status=certified')).text)).toEqual(['Ähnlich, Änne', 'Rüdiger, Rita']);
    expect(names((await agent.get('/reports/people?status=uncertified')).text)).toEqual(['Gegangen, Gerd', 'Özkan, Olaf', 'Pütz, Paul', 'Warte, Wim']);
    expect(names((await agent.get('/reports/people?status=waitlisted')).text)).toEqual(['Warte, Wim']);
    const village = await agent.get(`/reports/people?organisation=${fixture.organisations.village}`);
    expect(names(village.text)).toEqual(['Gegangen, Gerd', 'Özkan, Olaf', 'Rüdiger, Rita']);
    expect(names((await agent.get(`/reports/people?organisation=${fixture.organisations.town}&status=certified`)).text)).toEqual(['Ähnlich, Änne']);

    const search = await agent.get(`/reports/people?q=${encodeURIComponent('Pütz')}`);
    expect(names(search.text)).toEqual(['Pütz, Paul']);
    expect(inputValue(search.text, 'q')).toBe('Pütz');
    const { email } = (await ctx.db('users').first('email').where({ last_name: 'Rüdiger' })) as { email: string };
    expect(names((await agent.get(`/reports/people?q=${encodeURIComponent(email)}`)).text)).toEqual(['Rüdiger, Rita']);
    // A percent sign is searched for, not a wildcard.
    expect(textOf((await agent.get('/reports/people?q=%25')).text)).toContain('0 Personen gefunden.');

    const bad = await agent.get('/reports/people?status=irgendwas&q=Pütz');
    expect(bad.status).toBe(422);
    expect(errorSummaryText(bad.text)).toContain('Bitte wählen Sie einen Status aus der Liste.');
    expect(inputValue(bad.text, 'q')).toBe('Pütz');
  });

  it('links names to the account page for admins', async () => {
    const admin = await loginAs(ctx.app, await createUser(ctx.db, { role: 'admin' }));
    const response = await admin.get('/reports/people?status=waitlisted');
    const { id } = (await ctx.db('users').first('id').where({ last_name: 'Warte' })) as { id: number };
    expect(response.text).toContain(`href="/admin/users/${id}"`);
  });

  it('is only for coordination', async () => {
    for (const role of ['participant', 'trainer'] as const) {
      const other = await loginAs(ctx.app, await createUser(ctx.db, { role }));
      expect((await other.get('/reports/people')).status).toBe(403);
    }
  });

  it('pages by 50 in German name order with the same statements for small and large data', async () => {
    await agent.get('/reports/people');
    const small = await countQueries(ctx.db, () => agent.get('/reports/people'));
    const smallFiltered = await countQueries(ctx.db, () => agent.get('/reports/people?status=uncertified&q=a'));
    for (let index = 0; index < 60; index += 1) {
      const user = await createUser(ctx.db, { firstName: 'Zoe', lastName: `Zeh${String(index).padStart(2, '0')}`, organisationId: fixture.organisations.town });
      await ctx.db('enrollments').insert({ offering_id: fixture.offerings.may, user_id: user.id, status: index % 2 === 0 ? 'confirmed' : 'waitlisted' });
    }
    let first = '';
    const large = await countQueries(ctx.db, async () => {
      first = (await agent.get('/reports/people')).text;
    });
    const largeFiltered = await countQueries(ctx.db, () => agent.get('/reports/people?status=uncertified&q=a'));
    expect(large).toBe(small);
    expect(largeFiltered).toBe(smallFiltered);
    expect(large).toBeLessThanOrEqual(6);

    expect(textOf(first)).toContain('66 Personen gefunden.');
    expect(names(first)).toHaveLength(50);
    expect(names(first).slice(0, 6)).toEqual(ORDER);
    expect(textOf(first)).toContain('Seite 1 von 2');
    const second = await agent.get('/reports/people?page=2');
    expect(names(second.text)).toHaveLength(16);
    expect(names(second.text).at(-1)).toBe('Zeh59, Zoe');
    // A page past the end shows the last one.
    expect(names((await agent.get('/reports/people?page=9')).text)).toEqual(names(second.text));
    // The filter travels with the page links.
    expect((await agent.get('/reports/people?status=waitlisted')).text).toContain('31 Personen gefunden.');
    expect(first).toContain('href="/reports/people?page=2"');
  });
});
