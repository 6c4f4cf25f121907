import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { countQueries } from '../support/database';
import { createOrganisation, createUser } from '../support/factories';
import { binaryParser, csrfTokenIn, loginAs, type Agent } from '../support/http';
import { readPdf } from '../support/pdf';
import { formatDate } from '../../src/shared/format';

describe('training record (Fortbildungsnachweis)', () => {
  const ctx = useTestApp();

  const download = (agent: Agent, url: string) => agent.get(url).buffer(true).parse(binaryParser);
  const pdfText = async (agent: Agent, url: string) => {
    const response = await download(agent, url).expect(200);
    return { response, ...(await readPdf(response.body as Buffer)) };
  };
  /** pdf.js separates text runs with spaces, tabs or line breaks: compare with single spaces. */
  const flat = (text: string) => text.replace(/\s+/g, ' ');

  const mark = (sessionId: number, userId: number, status: string) => ctx.db('attendance_records').insert({ session_id: sessionId, user_id: userId, status, source: 'roll_call' });
  const place = (sessionId: number, location: string) => ctx.db('offering_sessions').where('id', sessionId).update({ location });
  const startOf = async (sessionId: number) => (await ctx.db('offering_sessions').where('id', sessionId).first('starts_at')).starts_at as Date;

  async function issueAll(coordinator: Agent, offeringId: number) {
    const page = await coordinator.get(`/manage/offerings/${offeringId}/certificates`);
    expect((await coordinator.post(`/manage/offerings/${offeringId}/certificates`).type('form').send({ all: 'yes', _csrf: csrfTokenIn(page.text) })).status).toBe(303);
  }

  /**
   * Jürgen Öztürk of "Stadt Süderbrück" in a series cohort: module 1 present, module 2 late
   * (6 UE), module 3 excused, module 4 absent, module 5 not yet recorded; two past workshops
   * (no module, so no UE) with a confirmation each, the second one revoked; a future date
   * marked present. Another person attended module 3. Each session has its own place.
   */
  async function history() {
    const organisation = await createOrganisation(ctx.db, { name: 'Stadt Süderbrück' });
    const person = await createUser(ctx.db, { firstName: 'Jürgen', lastName: 'Öztürk', organisationId: organisation.id });
    const other = await createUser(ctx.db, { firstName: 'Ida', lastName: 'Brandt', organisationId: organisation.id });
    const coordinator = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));

    const series = await createProgramme(ctx.db, { kind: 'series', title: 'Kommunales Konfliktmanagement' });
    await ctx.db('modules').where('id', series.modules[1]!.id).update({ teaching_units: 6 });
    const cohort = await createOffering(ctx.db, { programmeId: series.id, title: 'Durchgang Frühjahr', startsInDays: -80, registrationOpensInDays: -120, sessions: 5, moduleIds: series.modules.map((module) => module.id) });
    const places = ['Raum Ährenfeld', 'Raum Birkenhöhe', 'Raum Excused', 'Raum Absent', 'Raum Unrecorded'];
    for (const [index, sessionId] of cohort.sessionIds.entries()) await place(sessionId, places[index]!);
    for (const userId of [person.id, other.id]) await ctx.db('enrollments').insert({ offering_id: cohort.id, user_id: userId, status: 'confirmed' });
    await mark(cohort.sessionIds[0]!, person.id, 'present');
    await mark(cohort.sessionIds[1]!, person.id, 'late');
    await mark(cohort.sessionIds[2]!, person.id, 'excused');
    await mark(cohort.sessionIds[3]!, person.id, 'absent');
    await mark(cohort.sessionIds[2]!, other.id, 'present');

    const workshops = await createProgramme(ctx.db, { kind: 'workshop', title: 'Umgang mit extremistischen Gruppierungen' });
    const kept = await createOffering(ctx.db, { programmeId: workshops.id, title: 'Workshop Würzburg', startsInDays: -30, registrationOpensInDays: -60 });
    const revoked = await createOffering(ctx.db, { programmeId: workshops.id, title: 'Workshop Zwickau', startsInDays: -20, registrationOpensInDays: -60 });
    const future = await createOffering(ctx.db, { programmeId: workshops.id, title: 'Workshop Zukunft', startsInDays: 10 });
    await place(kept.sessionIds[0]!, 'Rathaus Würzburg');
    await place(revoked.sessionIds[0]!, 'Rathaus Zwickau');
    await place(future.sessionIds[0]!, 'Raum Future');
    for (const offering of [kept, revoked, future]) {
      await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
      await mark(offering.sessionIds[0]!, person.id, 'present');
    }
    await issueAll(coordinator, kept.id);
    await issueAll(coordinator, revoked.id);
    const certificates = await ctx.db('certificates').where('user_id', person.id).orderBy('id').select('id', 'serial', 'verification_code');
    const form = await coordinator.get(`/manage/certificates/${certificates[1].id}/revoke`);
    await coordinator.post(`/manage/certificates/${certificates[1].id}/revoke`).type('form').send({ reason: 'Versehentlich ausgestellt', _csrf: csrfTokenIn(form.text) }).expect(303);

    const attended = [cohort.sessionIds[0]!, cohort.sessionIds[1]!, kept.sessionIds[0]!, revoked.sessionIds[0]!];
    return { person, other, coordinator, cohort, attended, valid: certificates[0]!, revokedCertificate: certificates[1]! };
  }

  it('lists exactly the attended dates in date order with units, places and the valid certificates, for the person themself', async () => {
    const { person, attended, valid, revokedCertificate } = await history();
    const participant = await loginAs(ctx.app, person);
    const { response, text, info } = await pdfText(participant, '/my/training-record.pdf');

    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="Fortbildungsnachweis-Oeztuerk-Juergen.pdf"; filename*=UTF-8''Fortbildungsnachweis-%C3%96zt%C3%BCrk-J%C3%BCrgen.pdf`,
    );
    expect(response.headers['cache-control']).toBe('no-store');
    expect(info.Title).toBe('Fortbildungsnachweis – Jürgen Öztürk');
    // Tagged for screen readers: a structure tree in German with a table whose header cells head their columns.
    const raw = (response.body as Buffer).toString('latin1');
    for (const marker of ['/StructTreeRoot', '/Lang (de-DE)', '/S /Document', '/S /H1', '/S /Table', '/S /TH', '/Scope /Column', '/S /TD']) expect(raw).toContain(marker);

    const record = flat(text);
    expect(record).toContain('Fortbildungsnachweis');
    expect(record).toContain('Jürgen Öztürk');
    expect(record).toContain('Organisation: Stadt Süderbrück');
    expect(record).toContain(`Ausgestellt am ${formatDate(new Date())}`);

    // The four attended dates (present, late, two workshops), oldest first, each with its place.
    const places = ['Raum Ährenfeld', 'Raum Birkenhöhe', 'Rathaus Würzburg', 'Rathaus Zwickau'];
    const positions = places.map((name) => record.indexOf(name));
    expect(positions.every((position) => position > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const sessionId of attended) expect(record).toContain(formatDate(await startOf(sessionId)));
    expect(record).toContain('1. Modul 1');
    expect(record).toContain('2. Modul 2');
    expect(record).toContain('Durchgang Frühjahr');
    expect(record).toContain('Workshop Würzburg');
    // Workshops teach no module: no teaching units, shown as "–" rather than 0.
    expect(record).toMatch(/Workshop Würzburg – – Rathaus Würzburg/);
    // Excused, absent, unrecorded, future and another person's dates are not attended dates.
    for (const absent of ['Raum Excused', 'Raum Absent', 'Raum Unrecorded', 'Raum Future', 'Workshop Zukunft', '3. Modul 3']) expect(record).not.toContain(absent);
    // 8 (module 1) + 6 (module 2) + 0 + 0 (workshops teach no module).
    expect(record).toContain('Termine insgesamt: 4 · Unterrichtseinheiten (UE) insgesamt: 14');

    expect(record).toContain(`Seriennummer: ${valid.serial}`);
    expect(record).toContain(`http://campus.test/verify/${valid.verification_code}`);
    expect(record).not.toContain(revokedCertificate.serial);
    expect(record).not.toContain(revokedCertificate.verification_code);
    expect(record).toContain('Seite 1 von 1');

    // A workshop date with units of its own (set on the session) counts them: 14 + 4.
    await ctx.db('offering_sessions').where('id', attended[2]!).update({ teaching_units: 4 });
    expect(flat((await pdfText(participant, '/my/training-record.pdf')).text)).toContain('Unterrichtseinheiten (UE) insgesamt: 18');
  });

  it('coordinators produce it for anybody, audited; unknown people are 404; participants get only their own', async () => {
    const { person, other, coordinator } = await history();
    // Reached from the person view, next to the person's name.
    const people = await coordinator.get(`/reports/people?q=${encodeURIComponent('Öztürk')}`).expect(200);
    expect(people.text).toContain(`href="/reports/people/${person.id}/training-record.pdf"`);
    const { text } = await pdfText(coordinator, `/reports/people/${person.id}/training-record.pdf`);
    expect(flat(text)).toContain('Jürgen Öztürk');
    expect(flat(text)).toContain('Termine insgesamt: 4');
    const audit = await ctx.db('audit_events').where({ action: 'training_record.downloaded' }).select('subject_type', 'subject_id', 'actor_user_id');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ subject_type: 'user', subject_id: String(person.id) });
    expect(audit[0].actor_user_id).not.toBe(person.id);

    await download(coordinator, '/reports/people/999999/training-record.pdf').expect(404);
    await download(coordinator, '/reports/people/abc/training-record.pdf').expect(404);

    const participant = await loginAs(ctx.app, other);
    await download(participant, `/reports/people/${person.id}/training-record.pdf`).expect(403);
    expect((await participant.get('/my/certificates').expect(200)).text).toContain('href="/my/training-record.pdf"');
    const own = flat((await pdfText(participant, '/my/training-record.pdf')).text);
    expect(own).toContain('Ida Brandt');
    expect(own).toContain('Raum Excused');
    expect(own).not.toContain('Jürgen');
    expect(own).toContain('Termine insgesamt: 1 · Unterrichtseinheiten (UE) insgesamt: 8');
    expect(own).toContain('Bisher sind keine gültigen Zertifikate oder Teilnahmebestätigungen ausgestellt.');
    expect(await ctx.db('audit_events').where({ action: 'training_record.downloaded' }).select('id')).toHaveLength(1);
  });

  it('runs over several pages with the table header and "Seite x von y" on each, in the same few statements for a short and a long history', async () => {
    const organisation = await createOrganisation(ctx.db, { name: 'Landratsamt' });
    const short = await createUser(ctx.db, { firstName: 'Anna', lastName: 'Kurz', organisationId: organisation.id });
    const long = await createUser(ctx.db, { firstName: 'Bernd', lastName: 'Lang', organisationId: organisation.id });
    const programme = await createProgramme(ctx.db, { kind: 'workshop' });
    const one = await createOffering(ctx.db, { programmeId: programme.id, startsInDays: -5 });
    await mark(one.sessionIds[0]!, short.id, 'present');
    const many = await createOffering(ctx.db, { programmeId: programme.id, title: 'Offene Reihe', startsInDays: -900, sessions: 60, registrationOpensInDays: -950 });
    await ctx.db('attendance_records').insert(many.sessionIds.map((sessionId) => ({ session_id: sessionId, user_id: long.id, status: 'present', source: 'roll_call' })));

    const longAgent = await loginAs(ctx.app, long);
    const { text, pages } = await pdfText(longAgent, '/my/training-record.pdf');
    expect(pages).toBeGreaterThanOrEqual(2);
    const record = flat(text);
    for (let page = 1; page <= pages; page += 1) expect(record).toContain(`Seite ${page} von ${pages}`);
    expect(record.match(/Datum Angebot Durchgang Modul UE Ort/g)?.length).toBe(pages);
    expect(record).toContain('Termine insgesamt: 60');

    const coordinator = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
    const shortAgent = await loginAs(ctx.app, short);
    // The first request after a login records the session's activity once; count from the second on.
    await download(shortAgent, '/my/training-record.pdf').expect(200);
    await download(coordinator, '/my/training-record.pdf').expect(200);
    const ownShort = await countQueries(ctx.db, () => download(shortAgent, '/my/training-record.pdf').expect(200));
    const ownLong = await countQueries(ctx.db, () => download(longAgent, '/my/training-record.pdf').expect(200));
    expect(ownShort).toBeLessThanOrEqual(6);
    expect(ownLong).toBe(ownShort);
    const forShort = await countQueries(ctx.db, () => download(coordinator, `/reports/people/${short.id}/training-record.pdf`).expect(200));
    const forLong = await countQueries(ctx.db, () => download(coordinator, `/reports/people/${long.id}/training-record.pdf`).expect(200));
    expect(forShort).toBeLessThanOrEqual(6);
    expect(forLong).toBe(forShort);
  });
});
