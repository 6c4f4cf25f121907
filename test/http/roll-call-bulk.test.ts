import { useTestApp } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { createOrganisation, createUser, type TestUser } from '../support/factories';
import { loginAs, submitForm, textOf, type Agent } from '../support/http';

/** Attendance is recorded for sessions that have begun: this one started an hour ago. */
const STARTED_AN_HOUR_AGO = -1 / 24;
const STATUSES = ['present', 'late', 'excused', 'absent'] as const;

describe('saving a large roll call', () => {
  const ctx = useTestApp();

  /** A session that began an hour ago with `count` confirmed people, inserted in one statement each (no hashing per person). */
  async function sessionWithPeople(count: number) {
    const trainer = await createUser(ctx.db, { role: 'trainer' });
    const offering = await createOffering(ctx.db, { startsInDays: STARTED_AN_HOUR_AGO, trainerIds: [trainer.id], registrationClosesInDays: -0.5, capacity: count + 5 });
    const organisation = await createOrganisation(ctx.db);
    const inserted = await ctx.db.raw<{ rows: { id: number }[] }>(
      `INSERT INTO users (email, first_name, last_name, role, organisation_id, password_hash, active, locale, email_verified_at)
       SELECT 'gross' || ? || '-' || n || '@gemeinde.example', 'Person', 'Gross' || lpad(n::text, 5, '0'), 'participant', ?, 'not-a-login', true, 'de', now()
         FROM generate_series(1, ?) AS n
       RETURNING id`,
      [offering.id, organisation.id, count],
    );
    const peopleIds = inserted.rows.map((row) => row.id).sort((a, b) => a - b);
    await ctx.db.raw(`INSERT INTO enrollments (offering_id, user_id, status) SELECT ?, unnest(?::int[]), 'confirmed'`, [offering.id, peopleIds]);
    return { trainer, offeringId: offering.id, sessionId: offering.sessionIds[0]!, peopleIds };
  }

  function statusFor(index: number) {
    return STATUSES[index % STATUSES.length]!;
  }

  function formFor(peopleIds: number[], status: (index: number) => string) {
    return Object.fromEntries(peopleIds.map((id, index) => [`status_${id}`, status(index)]));
  }

  /** The CSRF token comes from the small overview page, so the test doesn't render 2,100 rows to get it. */
  async function saveRollCall(agent: Agent, sessionId: number, fields: Record<string, string>) {
    return submitForm(agent, '/attendance', `/attendance/sessions/${sessionId}`, fields);
  }

  async function rollCallAudits() {
    return ctx.db('audit_events').where('action', 'attendance.roll_call_saved').orderBy('id');
  }

  it('saves 2,100 people in one POST, with one audit entry listing every change', async () => {
    const { trainer, sessionId, peopleIds } = await sessionWithPeople(2100);
    const agent = await loginAs(ctx.app, trainer);

    const response = await saveRollCall(agent, sessionId, formFor(peopleIds, statusFor));
    expect(response.status).toBe(303);

    const records = await ctx.db('attendance_records').where('session_id', sessionId).orderBy('user_id').select('user_id', 'status', 'source', 'recorded_by');
    expect(records).toEqual(peopleIds.map((id, index) => ({ user_id: id, status: statusFor(index), source: 'roll_call', recorded_by: trainer.id })));

    const audits = await rollCallAudits();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor_user_id: trainer.id, subject_type: 'session', subject_id: String(sessionId) });
    expect(audits[0].after.changes).toEqual(peopleIds.map((id, index) => ({ userId: id, before: null, after: statusFor(index) })));
    expect(await ctx.db('audit_events').where('action', 'attendance.recorded')).toHaveLength(0);
  });

  it('writes and audits only the people whose status changed; the others keep who recorded them', async () => {
    const { trainer, sessionId, peopleIds } = await sessionWithPeople(6);
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    await saveRollCall(await loginAs(ctx.app, trainer), sessionId, formFor(peopleIds, () => 'present'));

    const coordinatorAgent = await loginAs(ctx.app, coordinator);
    const response = await saveRollCall(coordinatorAgent, sessionId, formFor(peopleIds, (index) => (index === 1 ? 'late' : index === 4 ? 'absent' : 'present')));
    expect(response.status).toBe(303);
    const page = await coordinatorAgent.get(`/attendance/sessions/${sessionId}`);
    expect(textOf(page.text)).toContain('Gespeichert: 2 Änderungen.');

    const records = await ctx.db('attendance_records').where('session_id', sessionId).orderBy('user_id');
    expect(records.map((row) => [row.user_id, row.status, row.recorded_by])).toEqual(
      peopleIds.map((id, index) => [id, index === 1 ? 'late' : index === 4 ? 'absent' : 'present', index === 1 || index === 4 ? coordinator.id : trainer.id]),
    );
    const audits = await rollCallAudits();
    expect(audits).toHaveLength(2);
    expect(audits[1].after.changes).toEqual([
      { userId: peopleIds[1], before: 'present', after: 'late' },
      { userId: peopleIds[4], before: 'present', after: 'absent' },
    ]);
  });

  it('refuses the whole list when someone on it has no confirmed seat, and saves nothing', async () => {
    const { trainer, offeringId, sessionId, peopleIds } = await sessionWithPeople(3);
    const waitlisted: TestUser = await createUser(ctx.db);
    await ctx.db('enrollments').insert({ offering_id: offeringId, user_id: waitlisted.id, status: 'waitlisted' });
    const agent = await loginAs(ctx.app, trainer);

    const response = await saveRollCall(agent, sessionId, { ...formFor(peopleIds, () => 'present'), [`status_${waitlisted.id}`]: 'present' });
    expect(response.status).toBe(422);
    expect(textOf(response.text)).toContain('Die Liste hat sich geändert. Bitte laden Sie die Seite neu.');
    const unknownId = await saveRollCall(agent, sessionId, { [`status_${'9'.repeat(25)}`]: 'present' });
    expect(unknownId.status).toBe(422);
    expect(await ctx.db('attendance_records')).toHaveLength(0);
    expect(await rollCallAudits()).toHaveLength(0);
  });

  it('needs the same small number of SQL statements for 20 people as for 200', async () => {
    /** Statements the database receives while the roll call is posted (session and user lookups included). */
    async function statementsToSave(count: number) {
      const { trainer, sessionId, peopleIds } = await sessionWithPeople(count);
      const agent = await loginAs(ctx.app, trainer);
      const fields = formFor(peopleIds, statusFor);
      const page = await agent.get('/attendance');
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
      const statements: string[] = [];
      const listener = (query: { sql: string }) => statements.push(query.sql);
      ctx.db.on('query', listener);
      try {
        const response = await agent.post(`/attendance/sessions/${sessionId}`).type('form').send({ ...fields, _csrf: token });
        expect(response.status).toBe(303);
      } finally {
        ctx.db.off('query', listener);
      }
      expect(await ctx.db('attendance_records').where('session_id', sessionId)).toHaveLength(count);
      return statements;
    }

    const forTwenty = await statementsToSave(20);
    const forTwoHundred = await statementsToSave(200);
    expect(forTwoHundred).toHaveLength(forTwenty.length);
    expect(forTwenty.length).toBeLessThanOrEqual(8);
  });
});
