import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { answerAs, createQuestionnaire, openEvaluation } from '../support/evaluation-factories';
import { createUser } from '../support/factories';
import { csrfTokenIn, loginAs } from '../support/http';
import { createEvaluationLifecycle } from '../../src/evaluation/evaluations.service';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Issue 15: there is no way to join an answer to a person from the database, neither by the
 * schema (columns, keys, defaults) nor by the data written when people answer.
 */
describe('evaluation answers cannot be joined to people', () => {
  const ctx = useTestApp();

  it('schema: evaluation_responses has no column leading to a person, no time of day, no sequence', async () => {
    const columns = await ctx.db('information_schema.columns')
      .where({ table_schema: 'public', table_name: 'evaluation_responses' })
      .select('column_name', 'data_type', 'column_default', 'is_identity')
      .orderBy('ordinal_position');
    expect(columns.map((column) => column.column_name)).toEqual(['id', 'evaluation_id', 'submitted_on', 'answers']);
    for (const column of columns) {
      expect(column.column_name).not.toMatch(/user|person|enrol|participant|email|name|ip|session|created|updated|time|_at$/i);
      // A day at most: no timestamp, no time.
      expect(column.data_type).not.toMatch(/timestamp|time/);
      // No serial or identity that counts along with the participants' rows.
      expect(column.is_identity).toBe('NO');
      expect(String(column.column_default ?? '')).not.toMatch(/nextval|now\(|current_|clock_|statement_timestamp|transaction_timestamp/i);
    }
    expect(columns.find((column) => column.column_name === 'id')).toMatchObject({ data_type: 'uuid', column_default: 'gen_random_uuid()' });
    expect(columns.find((column) => column.column_name === 'submitted_on')).toMatchObject({ data_type: 'date', column_default: null });

    // The only foreign key is the evaluation.
    const keys = await ctx.db.raw<{ rows: { target: string }[] }>(
      `SELECT confrelid::regclass::text AS target FROM pg_constraint WHERE conrelid = 'evaluation_responses'::regclass AND contype = 'f'`,
    );
    expect(keys.rows.map((row) => row.target)).toEqual(['evaluations']);
    // No sequence belongs to the table.
    const sequences = await ctx.db.raw<{ rows: unknown[] }>(
      `SELECT 1 FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' WHERE d.refobjid = 'evaluation_responses'::regclass`,
    );
    expect(sequences.rows).toEqual([]);
    // No trigger could copy anything from elsewhere into it.
    const triggers = await ctx.db.raw<{ rows: unknown[] }>(`SELECT 1 FROM pg_trigger WHERE tgrelid = 'evaluation_responses'::regclass AND NOT tgisinternal`);
    expect(triggers.rows).toEqual([]);
  });

  it('data: answers share no transaction with the yes/no, nothing at answer time names the person, and closing leaves only counts', async () => {
    const programme = await createProgramme(ctx.db, { kind: 'workshop' });
    const offering = await createOffering(ctx.db, { programmeId: programme.id, startsInDays: -2 });
    const questionnaire = await createQuestionnaire(ctx.db);
    const people = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => createUser(ctx.db, { firstName: 'Person', lastName: `Antwortend${n}` })));
    const evaluation = await openEvaluation(ctx.db, { versionId: questionnaire.versionId, offeringId: offering.id, participantIds: people.map((person) => person.id), closesInDays: 5 });
    const agents = await Promise.all(people.map((person) => loginAs(ctx.app, person)));
    await ctx.deliverMail();
    const auditBefore = Number((await ctx.db('audit_events').max({ id: 'id' }))[0]?.id ?? 0);
    const mailsBefore = Number((await ctx.db('outgoing_mails').max({ id: 'id' }))[0]?.id ?? 0);

    // Five of six answer, one after another (the rows would be easiest to pair up in order).
    const [scale, single] = questionnaire.itemIds as [number, number];
    const tokens = await Promise.all(agents.map(async (agent) => csrfTokenIn((await agent.get(`/evaluations/${evaluation.id}`)).text)));
    const sessionVersions = async () => (await ctx.db.raw<{ rows: { sid: string; xmin: string }[] }>('SELECT sid, xmin::text FROM http_sessions ORDER BY sid')).rows;
    const sessionsBefore = await sessionVersions();
    for (const [index, agent] of agents.slice(0, 5).entries()) {
      expect((await answerAs(agent, evaluation.id, { [scale]: String(index + 1), [single]: '0' }, tokens[index])).status).toBe(303);
    }

    const responses = await ctx.db.raw<{ rows: { xmin: string; id: string; answers: unknown }[] }>('SELECT xmin::text, id, answers FROM evaluation_responses');
    const participants = await ctx.db.raw<{ rows: { xmin: string; user_id: number; has_answered: boolean }[] }>('SELECT xmin::text, user_id, has_answered FROM evaluation_participants');
    expect(responses.rows).toHaveLength(5);
    expect(participants.rows.filter((row) => row.has_answered)).toHaveLength(5);
    const participantTransactions = new Set(participants.rows.map((row) => row.xmin));
    for (const response of responses.rows) expect(participantTransactions.has(response.xmin)).toBe(false);
    // Nor does any yes/no row keep the id of its claim (which came just before the answer's): all carry the same one.
    expect(participantTransactions.size).toBe(1);
    // No session was written while answering either (a session row holds the person's id).
    expect(await sessionVersions()).toEqual(sessionsBefore);
    // Random ids, no order that matches anything.
    for (const response of responses.rows) expect(response.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    // No audit entry or mail was written while people answered: nothing says who answered when.
    const auditDuring = await ctx.db('audit_events').where('id', '>', auditBefore).select('action', 'subject_type', 'subject_id', 'actor_user_id');
    expect(auditDuring).toEqual([]);
    expect(await ctx.db('outgoing_mails').where('id', '>', mailsBefore).select('id')).toEqual([]);

    // Closing: the yes/no per person goes, the counts stay.
    await createEvaluationLifecycle({ db: ctx.db, outbox: ctx.outbox, config: ctx.config }).run(new Date(Date.now() + 6 * DAY_MS));
    expect(await ctx.db('evaluation_participants').select('user_id')).toEqual([]);
    expect(await ctx.db('evaluations').where({ id: evaluation.id }).first()).toMatchObject({ invited_count: 6, answered_count: 5 });
    expect(await ctx.db('evaluation_responses').count({ n: '*' })).toEqual([{ n: 5 }]);
  });
});
