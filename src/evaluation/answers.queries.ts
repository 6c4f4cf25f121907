import type { Knex } from 'knex';
import type { AnswerItem, Answers } from './answers.form';
import { SUBJECT_COLUMNS } from './evaluations.queries';

type Db = Knex | Knex.Transaction;

/*
 * Answering. The yes/no of a person (evaluation_participants) and the answer
 * (evaluation_responses) are written by separate statements in separate transactions, and the
 * answer row carries nothing of the person: see the migration 20261213090000_evaluation.ts.
 */

export type EvaluationForPerson = {
  id: number;
  version_id: number;
  scope: 'session' | 'module' | 'offering';
  opens_at: Date;
  closes_at: Date;
  closed_at: Date | null;
  title: string;
  introduction: string;
  offering_title: string;
  programme_title: string;
  module_title: string | null;
  session_starts_at: Date | null;
  /** null: the person is not among the participants (did not attend, or the evaluation closed). */
  has_answered: boolean | null;
};

/** The evaluation with its questionnaire version and whether this person may answer or already has. */
export async function findEvaluationForPerson(db: Db, evaluationId: number, userId: number): Promise<EvaluationForPerson | undefined> {
  const result = await db.raw<{ rows: EvaluationForPerson[] }>(
    `SELECT ev.id, ev.version_id, ev.scope, ev.opens_at, ev.closes_at, ev.closed_at, v.title, v.introduction, ${SUBJECT_COLUMNS},
            p.has_answered
       FROM evaluations ev
       JOIN questionnaire_versions v ON v.id = ev.version_id
       LEFT JOIN evaluation_participants p ON p.evaluation_id = ev.id AND p.user_id = :userId
      WHERE ev.id = :evaluationId`,
    { evaluationId, userId },
  );
  return result.rows[0];
}

export async function selectItems(db: Db, versionId: number): Promise<AnswerItem[]> {
  return db('questionnaire_items')
    .where({ version_id: versionId })
    .select('id', 'position', 'kind', 'prompt', 'required', 'scale_low_label', 'scale_high_label', 'options')
    .orderBy('position');
}

/**
 * The person's one answer is claimed: true only for the first of any number of parallel
 * submissions, and only while the evaluation is open. Runs in a transaction of its own.
 */
export async function claimAnswer(db: Db, evaluationId: number, userId: number, now: Date): Promise<boolean> {
  const result = await db.raw<{ rowCount: number }>(
    `UPDATE evaluation_participants p SET has_answered = true
      WHERE p.evaluation_id = :evaluationId AND p.user_id = :userId AND NOT p.has_answered
        AND EXISTS (SELECT 1 FROM evaluations ev WHERE ev.id = p.evaluation_id AND ev.closed_at IS NULL AND ev.closes_at > :now)
     RETURNING 1`,
    { evaluationId, userId, now },
  );
  return result.rowCount === 1;
}

/** The answer could not be stored: the person may try again. */
export async function releaseClaim(db: Db, evaluationId: number, userId: number): Promise<void> {
  await db('evaluation_participants').where({ evaluation_id: evaluationId, user_id: userId }).update({ has_answered: false });
}

/** The answer: a random id, the evaluation, the day in Berlin (no time of day), the values. */
export async function insertResponse(db: Db, evaluationId: number, now: Date, answers: Answers): Promise<void> {
  await db.raw(
    `INSERT INTO evaluation_responses (evaluation_id, submitted_on, answers)
     VALUES (:evaluationId, (CAST(:now AS timestamptz) AT TIME ZONE 'Europe/Berlin')::date, CAST(:answers AS jsonb))`,
    { evaluationId, now, answers: JSON.stringify(answers) },
  );
}

/**
 * Rewrites every yes/no row of the evaluation in one transaction of its own, after the answer is
 * stored. Transaction ids count up: the claim's id came just before the answer's, so left on the
 * person's row it would point to their answer. Afterwards all rows carry the same id. Locked in
 * one order, so two answers finishing together cannot deadlock.
 */
export async function restampParticipants(db: Db, evaluationId: number): Promise<void> {
  await db.raw(
    `UPDATE evaluation_participants p SET has_answered = p.has_answered
       FROM (SELECT user_id FROM evaluation_participants WHERE evaluation_id = :evaluationId ORDER BY user_id FOR UPDATE) locked
      WHERE p.evaluation_id = :evaluationId AND p.user_id = locked.user_id`,
    { evaluationId },
  );
}

export type OpenEvaluationRow = {
  id: number;
  scope: 'session' | 'module' | 'offering';
  closes_at: Date;
  offering_title: string;
  programme_title: string;
  module_title: string | null;
  session_starts_at: Date | null;
  total: number;
};

const OPEN_OF_PERSON = `
  FROM evaluation_participants p
  JOIN evaluations ev ON ev.id = p.evaluation_id AND ev.closed_at IS NULL AND ev.closes_at > :now
 WHERE p.user_id = :userId AND NOT p.has_answered`;

/** The person's evaluations still waiting for their answer, the one closing first first; `total` counts them all. */
export async function selectOpenOfPerson(db: Db, userId: number, now: Date, limit: number, offset = 0): Promise<OpenEvaluationRow[]> {
  const result = await db.raw<{ rows: OpenEvaluationRow[] }>(
    `SELECT ev.id, ev.scope, ev.closes_at, ${SUBJECT_COLUMNS}, (count(*) OVER ())::int AS total
       ${OPEN_OF_PERSON}
      ORDER BY ev.closes_at, ev.id
      LIMIT :limit OFFSET :offset`,
    { userId, now, limit, offset },
  );
  return result.rows;
}

/**
 * The start page's one statement for this domain and the certificates': the open evaluations
 * (as JSON) and the count of valid certificates from the certificates domain's published
 * `certificates_issued`, so the page stays within its budget of statements.
 */
export async function selectStartEntries(db: Db, userId: number, now: Date, limit: number): Promise<{ evaluations: Omit<OpenEvaluationRow, 'total'>[]; total: number; certificate_count: number }> {
  const result = await db.raw<{ rows: { evaluations: Omit<OpenEvaluationRow, 'total'>[] | null; total: number; certificate_count: number }[] }>(
    `SELECT (SELECT json_agg(open ORDER BY open.closes_at, open.id) FROM (
               SELECT ev.id, ev.scope, ev.closes_at, ${SUBJECT_COLUMNS} ${OPEN_OF_PERSON} ORDER BY ev.closes_at, ev.id LIMIT :limit) open) AS evaluations,
            (SELECT count(*) ${OPEN_OF_PERSON})::int AS total,
            (SELECT count(*) FROM certificates_issued c WHERE c.user_id = :userId)::int AS certificate_count`,
    { userId, now, limit },
  );
  const row = result.rows[0]!;
  // json_agg gives the dates as ISO strings.
  const evaluations = (row.evaluations ?? []).map((entry) => ({
    ...entry,
    closes_at: new Date(entry.closes_at),
    session_starts_at: entry.session_starts_at ? new Date(entry.session_starts_at) : null,
  }));
  return { evaluations, total: row.total, certificate_count: row.certificate_count };
}
