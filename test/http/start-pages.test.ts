import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createUser, type TestUser } from '../support/factories';
import { loginAs, newAgent, textOf } from '../support/http';
import { formatDate, formatTimeRange } from '../../src/shared/format';

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Start pages by role (issue 12): what each person sees first, and at a fixed cost. */
describe('start pages', () => {
  const ctx = useTestApp();
  let serial = 0;

  /** An offering without the factory's sessions: the test places each session itself. */
  async function offering(programmeId: number, title: string) {
    return createOffering(ctx.db, { programmeId, title, sessions: 0, startsInDays: -40, registrationOpensInDays: -60, registrationClosesInDays: -41 });
  }

  async function session(offeringId: number, startsAt: Date, options: { moduleId?: number; location?: string; hours?: number; trainerId?: number } = {}) {
    const [row] = await ctx.db('offering_sessions')
      .insert({ offering_id: offeringId, module_id: options.moduleId ?? null, starts_at: startsAt, ends_at: new Date(startsAt.getTime() + (options.hours ?? 6) * HOUR_MS), location: options.location ?? 'Landratsamt, Saal 1' })
      .returning(['id', 'starts_at', 'ends_at']);
    if (options.trainerId) await ctx.db('session_trainers').insert({ session_id: row.id, user_id: options.trainerId });
    return row as { id: number; starts_at: Date; ends_at: Date };
  }

  /** The id of a programme's module at `position` (1-based). */
  const moduleOf = (programme: { modules: { id: number }[] }, position: number): number => {
    const module = programme.modules[position - 1];
    if (!module) throw new Error(`no module ${position}`);
    return module.id;
  };
  const inDays = (days: number) => new Date(Date.now() + days * DAY_MS);
  const confirm = (offeringId: number, userId: number) => ctx.db('enrollments').insert({ offering_id: offeringId, user_id: userId, status: 'confirmed', confirmed_at: new Date() });

  async function certificate(user: TestUser, programmeId: number, offeringId: number, status: 'valid' | 'revoked') {
    serial += 1;
    await ctx.db('certificates').insert({
      serial: `KKM-2026-${String(serial).padStart(4, '0')}`,
      serial_year: 2026,
      serial_number: serial,
      verification_code: `ABCDEFGHJKMNPQRSTV${String(serial).padStart(2, '0')}`,
      user_id: user.id,
      programme_id: programmeId,
      offering_id: offeringId,
      subject_key: `offering:${offeringId}:${serial}`,
      kind: 'confirmation',
      status,
      snapshot: {},
      pdf: Buffer.from('%PDF-1.7'),
      pdf_sha256: '0'.repeat(64),
      ...(status === 'revoked' ? { revoked_at: new Date(), revocation_reason: 'falsch ausgestellt' } : {}),
    });
  }

  async function material(title: string, target: { sessionId?: number; moduleId?: number }, uploader: TestUser, uploadedAt: Date) {
    const [row] = await ctx.db('materials')
      .insert({ session_id: target.sessionId ?? null, module_id: target.moduleId ?? null, title, visibility: 'enrolled', created_by: uploader.id, created_at: uploadedAt })
      .returning('id');
    serial += 1;
    await ctx.db('material_versions').insert({
      material_id: row.id,
      version: 1,
      storage_key: serial.toString(16).padStart(32, '0'),
      original_name: `${title}.pdf`,
      size_bytes: 1000,
      sha256: '1'.repeat(64),
      content_type: 'application/pdf',
      file_kind: 'pdf',
      uploaded_by: uploader.id,
      uploaded_at: uploadedAt,
    });
  }

  it('shows a visitor the public start page', async () => {
    const page = textOf((await newAgent(ctx.app).get('/').expect(200)).text);
    expect(page).toContain('Willkommen');
    expect(page).toContain('Anmelden');
    expect(page).not.toContain('Meine nächsten Termine');
  });

  it('shows a participant the next dates with place and calendar link, what is missing in the series and where to make it up, open excuses and certificates', async () => {
    const person = await createUser(ctx.db, { firstName: 'Jana' });
    const series = await createProgramme(ctx.db, { kind: 'series', title: 'Kommunales Konfliktmanagement' });
    const [m1, m2, m3, m4, m5] = [1, 2, 3, 4, 5].map((position) => moduleOf(series, position));
    const autumn = await offering(series.id, 'Durchgang Herbst');
    await confirm(autumn.id, person.id);
    const first = await session(autumn.id, inDays(-30), { moduleId: m1 });
    const second = await session(autumn.id, inDays(-16), { moduleId: m2 });
    const third = await session(autumn.id, inDays(2), { moduleId: m3, location: 'Rathaus Eisenach, Raum 2' });
    const fourth = await session(autumn.id, inDays(16), { moduleId: m4 });
    const fifth = await session(autumn.id, inDays(30), { moduleId: m5 });
    await ctx.db('attendance_records').insert({ session_id: first.id, user_id: person.id, status: 'present', source: 'roll_call' });
    await ctx.db('attendance_records').insert({ session_id: second.id, user_id: person.id, status: 'absent', source: 'roll_call' });
    // A later cohort, where module 2 can be made up; the person is not enrolled in it.
    const spring = await offering(series.id, 'Durchgang Frühjahr');
    const makeUp = await session(spring.id, inDays(60), { moduleId: m2 });
    const workshop = await createProgramme(ctx.db, { kind: 'workshop', title: 'Umgang mit extremistischen Gruppierungen' });
    const may = await offering(workshop.id, 'Workshop Mai');
    const workshopDay = await session(may.id, inDays(5), { location: 'Kreishaus Nord' });
    await confirm(may.id, person.id);
    // An offering the person is not in, with a date before all of theirs: not theirs to see.
    const other = await offering(workshop.id, 'Workshop Juni');
    await session(other.id, inDays(1));
    await ctx.db('excuses').insert({ session_id: fourth.id, user_id: person.id, reason: 'Dienstreise', status: 'submitted' });
    await ctx.db('excuses').insert({ session_id: second.id, user_id: person.id, reason: 'krank', status: 'accepted', decided_at: new Date() });
    await certificate(person, workshop.id, may.id, 'valid');
    await certificate(person, workshop.id, may.id, 'revoked');

    const agent = await loginAs(ctx.app, person);
    const html = (await agent.get('/').expect(200)).text;
    const page = textOf(html);
    expect(page).toContain('Guten Tag, Jana!');
    // Dates: mine only, in order, with place and each offering's iCal file.
    const dates = page.slice(page.indexOf('Meine nächsten Termine'), page.indexOf('Mein Fortschritt in der Reihe'));
    const expectedOrder = [third, workshopDay, fourth, fifth].map((row) => formatDate(row.starts_at));
    const positions = expectedOrder.map((date) => dates.indexOf(date));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(dates).toContain(formatTimeRange(third.starts_at, third.ends_at));
    expect(dates).toContain('Rathaus Eisenach, Raum 2');
    expect(dates).toContain('Kreishaus Nord');
    expect(dates).toContain('Durchgang Herbst');
    expect(dates).toContain('Modul 3');
    expect(dates).not.toContain('Workshop Juni');
    expect(dates).not.toContain(formatDate(first.starts_at));
    expect(html).toContain(`href="/offerings/${may.id}/calendar.ics"`);
    expect(html).toContain('href="/my/dates#calendar"');
    // Progress: one of five modules; module 2 can be made up in spring, the rest come in autumn.
    expect(page).toContain('1 von 5 erforderlichen Modulen abgeschlossen');
    expect(page).toContain(`2. Modul 2: nächster Termin: ${formatDate(makeUp.starts_at)} (Durchgang Frühjahr)`);
    expect(page).toContain(`3. Modul 3: nächster Termin: ${formatDate(third.starts_at)} (Durchgang Herbst)`);
    expect(page).not.toContain('1. Modul 1:');
    expect(html).toContain(`href="/offerings/${spring.id}"`);
    // Excuses: only the one still waiting.
    const excuses = page.slice(page.indexOf('Offene Entschuldigungen'), page.indexOf('Meine Bescheinigungen'));
    expect(excuses).toContain(`${formatDate(fourth.starts_at)} – Durchgang Herbst: Modul 4: eingereicht`);
    expect(excuses).not.toContain(formatDate(second.starts_at));
    // Certificates: the valid one counts, the revoked one does not.
    expect(page).toContain('Sie haben 1 gültige Bescheinigung.');
    expect(html).toContain('href="/my/certificates"');
    // Nothing is running now: no check-in.
    expect(page).not.toContain('Jetzt einchecken');
  });

  it('offers "Jetzt einchecken" only inside the check-in window of a session of the person', async () => {
    const person = await createUser(ctx.db);
    const workshop = await createProgramme(ctx.db, { kind: 'workshop' });
    const today = await offering(workshop.id, 'Workshop heute');
    await confirm(today.id, person.id);
    const running = await session(today.id, new Date(Date.now() - 30 * MINUTE_MS), { hours: 3 });
    const agent = await loginAs(ctx.app, person);

    const during = (await agent.get('/').expect(200)).text;
    expect(textOf(during)).toContain('Jetzt einchecken');
    expect(textOf(during)).toContain('Ihr Termin läuft gerade');
    expect(during).toContain('href="/check-in"');

    // Opens an hour before the start (as the roll call does) ...
    await ctx.db('offering_sessions').where('id', running.id).update({ starts_at: new Date(Date.now() + 30 * MINUTE_MS), ends_at: new Date(Date.now() + 4 * HOUR_MS) });
    expect(textOf((await agent.get('/').expect(200)).text)).toContain('Jetzt einchecken');
    // ... not earlier ...
    await ctx.db('offering_sessions').where('id', running.id).update({ starts_at: new Date(Date.now() + 2 * HOUR_MS), ends_at: new Date(Date.now() + 5 * HOUR_MS) });
    const before = textOf((await agent.get('/').expect(200)).text);
    expect(before).toContain('Workshop heute');
    expect(before).not.toContain('Jetzt einchecken');
    // ... and closes when the session ends.
    await ctx.db('offering_sessions').where('id', running.id).update({ starts_at: new Date(Date.now() - 5 * HOUR_MS), ends_at: new Date(Date.now() - MINUTE_MS) });
    expect(textOf((await agent.get('/').expect(200)).text)).not.toContain('Jetzt einchecken');

    // Somebody else's running session gives no check-in.
    const other = await offering(workshop.id, 'Workshop anderer');
    await session(other.id, new Date(Date.now() - 10 * MINUTE_MS));
    expect(textOf((await agent.get('/').expect(200)).text)).not.toContain('Jetzt einchecken');
  });

  it('shows a trainer today\'s and later sessions with roll-call links, past sessions without roll call and materials uploaded lately', async () => {
    const trainer = await createUser(ctx.db, { role: 'trainer', firstName: 'Tomasz' });
    const colleague = await createUser(ctx.db, { role: 'trainer' });
    const participant = await createUser(ctx.db);
    const series = await createProgramme(ctx.db, { kind: 'series', title: 'Kommunales Konfliktmanagement' });
    const autumn = await offering(series.id, 'Durchgang Herbst');
    await confirm(autumn.id, participant.id);
    const done = await session(autumn.id, inDays(-20), { moduleId: moduleOf(series, 1), trainerId: trainer.id });
    const forgotten = await session(autumn.id, inDays(-6), { moduleId: moduleOf(series, 2), trainerId: trainer.id });
    const later = await session(autumn.id, inDays(8), { moduleId: moduleOf(series, 3), trainerId: trainer.id, location: 'Bürgerhaus Süd' });
    // A colleague's session in the same offering: not in my lists.
    const colleagues = await session(autumn.id, inDays(3), { moduleId: moduleOf(series, 4), trainerId: colleague.id });
    await ctx.db('attendance_records').insert({ session_id: done.id, user_id: participant.id, status: 'present', source: 'roll_call' });
    // Today, a little later than now (still today in Berlin for any test time but the last minutes of a day).
    const todayStart = new Date(Math.min(Date.now() + MINUTE_MS, endOfBerlinDay().getTime() - 2 * MINUTE_MS));
    const todays = await session(autumn.id, todayStart, { moduleId: moduleOf(series, 5), trainerId: trainer.id, hours: 0.01 });

    const workshop = await createProgramme(ctx.db, { kind: 'workshop', title: 'Umgang mit extremistischen Gruppierungen' });
    const june = await offering(workshop.id, 'Workshop Juni');
    const junesDay = await session(june.id, inDays(20), { trainerId: trainer.id });
    // Nobody is enrolled in the empty workshop: no roll call to take.
    const empty = await offering(workshop.id, 'Workshop leer');
    await session(empty.id, inDays(-3), { trainerId: trainer.id });
    // Another offering I do not teach.
    const notMine = await offering(workshop.id, 'Workshop fremd');
    const notMineDay = await session(notMine.id, inDays(4), { trainerId: colleague.id });

    await material('Eskalationsstufen nach Glasl', { moduleId: moduleOf(series, 1) }, colleague, inDays(-2));
    await material('Ablauf Workshop', { sessionId: junesDay.id }, trainer, inDays(-1));
    await material('Altes Handout', { sessionId: later.id }, trainer, inDays(-60));
    await material('Fremdes Material', { sessionId: notMineDay.id }, colleague, inDays(-1));

    const agent = await loginAs(ctx.app, trainer);
    const html = (await agent.get('/').expect(200)).text;
    const page = textOf(html);
    expect(page).toContain('Guten Tag, Tomasz!');
    const upcoming = page.slice(page.indexOf('Meine Termine heute und demnächst'), page.indexOf('Anwesenheit noch nicht erfasst'));
    expect(upcoming).toContain(`heute ${formatDate(todays.starts_at)}`);
    expect(upcoming).toContain(formatDate(later.starts_at));
    expect(upcoming).toContain('Bürgerhaus Süd');
    expect(upcoming).toContain(formatDate(junesDay.starts_at));
    expect(upcoming).not.toContain(formatDate(colleagues.starts_at));
    expect(upcoming).not.toContain('Workshop fremd');
    expect(upcoming.indexOf(formatDate(todays.starts_at))).toBeLessThan(upcoming.indexOf(formatDate(later.starts_at)));
    for (const row of [todays, later, junesDay]) expect(html).toContain(`href="/attendance/sessions/${row.id}"`);

    const missing = page.slice(page.indexOf('Anwesenheit noch nicht erfasst'), page.indexOf('Neu hochgeladene Materialien'));
    expect(missing).toContain('Für 1 vergangenen Termin ist noch keine Anwesenheit gespeichert.');
    expect(missing).toContain(`${formatDate(forgotten.starts_at)}, ${formatTimeRange(forgotten.starts_at, forgotten.ends_at)} – Durchgang Herbst: Modul 2`);
    expect(missing).not.toContain(formatDate(done.starts_at));
    expect(missing).not.toContain('Workshop leer');

    const materials = page.slice(page.indexOf('Neu hochgeladene Materialien'));
    expect(materials.indexOf('Ablauf Workshop')).toBeGreaterThanOrEqual(0);
    expect(materials.indexOf('Ablauf Workshop')).toBeLessThan(materials.indexOf('Eskalationsstufen nach Glasl'));
    expect(materials).toContain('Materialien von Workshop Juni');
    expect(materials).toContain('Materialien von Durchgang Herbst');
    expect(materials).not.toContain('Altes Handout');
    expect(materials).not.toContain('Fremdes Material');
    expect(html).toContain(`href="/offerings/${june.id}/materials"`);
    expect(html).toContain(`href="/offerings/${autumn.id}/materials"`);
  });

  it('keeps the greeting for coordinators and admins and links their work pages', async () => {
    const coordinator = await createUser(ctx.db, { role: 'coordinator', firstName: 'Claudia' });
    const admin = await createUser(ctx.db, { role: 'admin', firstName: 'Ali' });
    const coordinatorHtml = (await (await loginAs(ctx.app, coordinator)).get('/').expect(200)).text;
    expect(textOf(coordinatorHtml)).toContain('Guten Tag, Claudia!');
    expect(textOf(coordinatorHtml)).toContain('Ihre Arbeitsbereiche');
    for (const href of ['/manage/offerings', '/manage/programmes', '/attendance', '/manage/excuses', '/admin/organisations']) expect(coordinatorHtml).toContain(`href="${href}"`);
    expect(coordinatorHtml).not.toContain('href="/admin/users"');
    const adminHtml = (await (await loginAs(ctx.app, admin)).get('/').expect(200)).text;
    expect(textOf(adminHtml)).toContain('Guten Tag, Ali!');
    expect(adminHtml).toContain('href="/admin/users"');
  });

  it('costs a participant the same few statements with one enrollment as with ten', async () => {
    const person = await createUser(ctx.db);
    const series = await createProgramme(ctx.db, { kind: 'series', title: 'Reihe' });
    const workshop = await createProgramme(ctx.db, { kind: 'workshop', title: 'Workshop' });
    const enrol = async (index: number) => {
      const programmeId = index % 2 === 0 ? series.id : workshop.id;
      const row = await offering(programmeId, `Durchgang ${index}`);
      await confirm(row.id, person.id);
      const past = await session(row.id, inDays(-10 - index), { moduleId: programmeId === series.id ? moduleOf(series, (index % 5) + 1) : undefined });
      await session(row.id, inDays(2 + index), { moduleId: programmeId === series.id ? moduleOf(series, ((index + 1) % 5) + 1) : undefined });
      await ctx.db('attendance_records').insert({ session_id: past.id, user_id: person.id, status: 'present', source: 'roll_call' });
      await ctx.db('excuses').insert({ session_id: past.id, user_id: person.id, reason: 'Termin', status: 'submitted' });
      await certificate(person, programmeId, row.id, 'valid');
    };
    await enrol(0);
    const agent = await loginAs(ctx.app, person);
    await agent.get('/').expect(200);
    const withOne = await countQueries(ctx.db, () => agent.get('/').expect(200));
    for (let index = 1; index < 10; index += 1) await enrol(index);
    let html = '';
    const withTen = await countQueries(ctx.db, async () => {
      html = (await agent.get('/').expect(200)).text;
    });
    const page = textOf(html);
    expect(page).toContain('Sie haben 10 gültige Bescheinigungen.');
    // Five of the ten next dates.
    const dates = html.slice(html.indexOf('id="dates-heading"'), html.indexOf('</table>'));
    expect(dates.split('<tr class="kern-table__row">').length - 2).toBe(5);
    // Five of the ten open excuses, and a pointer to the rest.
    expect(page).toContain('Und 5 weitere. Alle meine Entschuldigungen');
    expect(withTen).toBe(withOne);
    expect(withTen).toBeLessThanOrEqual(6);
  });

  it('costs a trainer the same few statements with one session as with ten', async () => {
    const trainer = await createUser(ctx.db, { role: 'trainer' });
    const participant = await createUser(ctx.db);
    const workshop = await createProgramme(ctx.db, { kind: 'workshop' });
    const teach = async (index: number) => {
      const row = await offering(workshop.id, `Workshop ${index}`);
      await confirm(row.id, participant.id);
      const past = await session(row.id, inDays(-5 - index), { trainerId: trainer.id });
      await session(row.id, inDays(3 + index), { trainerId: trainer.id });
      await material(`Handout ${index}`, { sessionId: past.id }, trainer, inDays(-1));
    };
    await teach(0);
    const agent = await loginAs(ctx.app, trainer);
    await agent.get('/').expect(200);
    const withOne = await countQueries(ctx.db, () => agent.get('/').expect(200));
    for (let index = 1; index < 12; index += 1) await teach(index);
    let page = '';
    const withMany = await countQueries(ctx.db, async () => {
      page = textOf((await agent.get('/').expect(200)).text);
    });
    expect(page).toContain('Für 12 vergangene Termine ist noch keine Anwesenheit gespeichert.');
    expect(page).toContain('Und 2 weitere Termine.');
    expect(withMany).toBe(withOne);
    expect(withMany).toBeLessThanOrEqual(6);
  });
});

/** The last moment of today in Europe/Berlin. */
function endOfBerlinDay(): Date {
  const now = new Date();
  const berlin = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const part = (type: string) => Number(berlin.find((entry) => entry.type === type)?.value);
  const secondsLeft = (23 - part('hour')) * 3600 + (59 - part('minute')) * 60 + (59 - part('second'));
  return new Date(now.getTime() + secondsLeft * 1000);
}
