import type { Knex } from 'knex';
import { ATTENDED_STATUSES } from '../attendance/attendance-rules';

type Db = Knex | Knex.Transaction;

/*
 * The lifecycle of an evaluation (open, invite, remind, close): set-based statements that are
 * safe when two instances run the job at the same moment. The subject's unique index makes an
 * opening happen once, the participants' primary key an invitation, `reminded_at IS NULL` the
 * reminder and `closed_at IS NULL … FOR UPDATE SKIP LOCKED` the closing.
 * The catalog and attendance are read through their published views only.
 */

/** Present or late counts as attended (attendance-rules.ts), as an SQL list. */
const ATTENDED_SQL = ATTENDED_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * Per published offering the assignment that applies: the offering's own (whose questionnaire
 * may be NULL: not evaluated), else the programme's default. Archived questionnaires open nothing.
 */
const EFFECTIVE_ASSIGNMENTS = `
  effective AS (
    SELECT o.offering_id, a.questionnaire_id, a.scope, a.answer_days
      FROM (SELECT DISTINCT offering_id, programme_id FROM catalog_session_schedule
             WHERE offering_status = 'published' AND ends_at > CAST(:now AS timestamptz) - interval '90 days') o
      JOIN LATERAL (
        SELECT ea.questionnaire_id, ea.scope, ea.answer_days
          FROM evaluation_assignments ea
         WHERE ea.offering_id = o.offering_id OR ea.programme_id = o.programme_id
         ORDER BY (ea.offering_id IS NOT NULL) DESC
         LIMIT 1) a ON true
      JOIN questionnaires q ON q.id = a.questionnaire_id AND q.archived_at IS NULL
  ),
  latest AS (
    SELECT DISTINCT ON (v.questionnaire_id) v.questionnaire_id, v.id AS version_id
      FROM questionnaire_versions v
     WHERE EXISTS (SELECT 1 FROM questionnaire_items i WHERE i.version_id = v.id)
     ORDER BY v.questionnaire_id, v.version DESC
  )`;

/**
 * The subjects that ended (a session; a module's last session in an offering; an offering's last
 * session) no longer ago than their answer period, with the questionnaire version to use.
 * Older subjects are not opened afterwards: a questionnaire assigned today does not mail everybody
 * who attended last year.
 */
const ENDED_SUBJECTS = `
  subjects AS (
    SELECT e.offering_id, e.scope, s.session_id, NULL::int AS module_id, s.ends_at, e.answer_days, l.version_id
      FROM effective e JOIN latest l USING (questionnaire_id)
      JOIN catalog_session_schedule s ON s.offering_id = e.offering_id
     WHERE e.scope = 'session'
    UNION ALL
    SELECT e.offering_id, e.scope, NULL::int, s.module_id, max(s.ends_at), e.answer_days, l.version_id
      FROM effective e JOIN latest l USING (questionnaire_id)
      JOIN catalog_session_schedule s ON s.offering_id = e.offering_id AND s.module_id IS NOT NULL
     WHERE e.scope = 'module'
     GROUP BY e.offering_id, e.scope, s.module_id, e.answer_days, l.version_id
    UNION ALL
    SELECT e.offering_id, e.scope, NULL::int, NULL::int, max(s.ends_at), e.answer_days, l.version_id
      FROM effective e JOIN latest l USING (questionnaire_id)
      JOIN catalog_session_schedule s ON s.offering_id = e.offering_id
     WHERE e.scope = 'offering'
     GROUP BY e.offering_id, e.scope, e.answer_days, l.version_id
  )`;

/**
 * Opening marks a version in use; an edit of the questionnaire (questionnaires.service.ts) locks
 * its row and changes the latest version only while it is not in use. Holding the rows shared
 * here makes the two take turns: an edit that is saving finishes first (and opening uses it), an
 * edit that comes after sees the version in use and makes a new one.
 */
export async function lockAssignedQuestionnaires(trx: Db): Promise<void> {
  await trx.raw(
    `SELECT q.id FROM questionnaires q
      WHERE q.archived_at IS NULL AND EXISTS (SELECT 1 FROM evaluation_assignments a WHERE a.questionnaire_id = q.id)
      ORDER BY q.id FOR SHARE`,
  );
}

export type OpenedEvaluation = { id: number; version_id: number };

/**
 * Creates the evaluations of subjects that ended by `now` (answer period from now on); a subject
 * another instance opened at the same time is skipped by the unique index. Returns the new ones.
 */
export async function openEndedSubjects(trx: Db, now: Date): Promise<OpenedEvaluation[]> {
  const result = await trx.raw<{ rows: OpenedEvaluation[] }>(
    `WITH ${EFFECTIVE_ASSIGNMENTS}, ${ENDED_SUBJECTS}
     INSERT INTO evaluations (version_id, offering_id, scope, session_id, module_id, opens_at, closes_at)
     SELECT version_id, offering_id, scope, session_id, module_id, :now, CAST(:now AS timestamptz) + make_interval(days => answer_days)
       FROM subjects
      WHERE ends_at <= :now AND ends_at > CAST(:now AS timestamptz) - make_interval(days => answer_days)
     ON CONFLICT (offering_id, scope, coalesce(session_id, 0), coalesce(module_id, 0)) DO NOTHING
     RETURNING id, version_id`,
    { now },
  );
  return result.rows;
}

/** From its first evaluation on a version is never changed (an edit makes a new one). */
export async function markVersionsInUse(trx: Db, versionIds: number[], now: Date): Promise<void> {
  if (versionIds.length === 0) return;
  await trx('questionnaire_versions').whereIn('id', versionIds).whereNull('in_use_since').update({ in_use_since: now });
}

export type Invitation = {
  evaluation_id: number;
  user_id: number;
  closes_at: Date;
  scope: 'session' | 'module' | 'offering';
  offering_title: string;
  programme_title: string;
  module_title: string | null;
  session_starts_at: Date | null;
};

/** What an evaluation is about, for mails and pages (the catalog's published schedule). */
export const SUBJECT_COLUMNS = `
  (SELECT min(s.offering_title) FROM catalog_session_schedule s WHERE s.offering_id = ev.offering_id) AS offering_title,
  (SELECT min(s.programme_title) FROM catalog_session_schedule s WHERE s.offering_id = ev.offering_id) AS programme_title,
  (SELECT min(s.module_title) FROM catalog_session_schedule s
    WHERE s.offering_id = ev.offering_id AND (s.module_id = ev.module_id OR s.session_id = ev.session_id)) AS module_title,
  (SELECT s.starts_at FROM catalog_session_schedule s WHERE s.session_id = ev.session_id) AS session_starts_at`;

/**
 * Adds everybody marked present or late in the subject of each open evaluation who is not yet a
 * participant: at opening all of them, later those whose roll call came afterwards. The rows
 * inserted here (and only these) are invited, so each person gets one invitation.
 */
export async function addAttendees(trx: Db, now: Date): Promise<Invitation[]> {
  const result = await trx.raw<{ rows: Invitation[] }>(
    `WITH added AS (
       INSERT INTO evaluation_participants (evaluation_id, user_id)
       SELECT DISTINCT ev.id, m.user_id
         FROM evaluations ev
         JOIN catalog_session_schedule s ON s.offering_id = ev.offering_id
              AND (ev.scope = 'offering' OR (ev.scope = 'session' AND s.session_id = ev.session_id) OR (ev.scope = 'module' AND s.module_id = ev.module_id))
         JOIN attendance_marks m ON m.session_id = s.session_id AND m.status IN (${ATTENDED_SQL})
         -- Deactivated and anonymised accounts are not asked (erasure deleted their yes/no for good).
         JOIN accounts_directory person ON person.user_id = m.user_id AND person.active
        WHERE ev.closed_at IS NULL AND ev.closes_at > :now
       ON CONFLICT (evaluation_id, user_id) DO NOTHING
       RETURNING evaluation_id, user_id)
     SELECT a.evaluation_id, a.user_id, ev.closes_at, ev.scope, ${SUBJECT_COLUMNS}
       FROM added a JOIN evaluations ev ON ev.id = a.evaluation_id
      ORDER BY a.evaluation_id, a.user_id`,
    { now },
  );
  return result.rows;
}

/**
 * Claims the one reminder of every open evaluation whose reminder time has come (`remindBefore`
 * before closing, but not in the first half of a short period) and returns the people who have
 * not answered yet; an evaluation claimed by another instance is not returned here.
 */
export async function claimDueReminders(trx: Db, now: Date, remindBeforeDays: number): Promise<Invitation[]> {
  const result = await trx.raw<{ rows: Invitation[] }>(
    `WITH claimed AS (
       UPDATE evaluations ev SET reminded_at = :now
        WHERE ev.closed_at IS NULL AND ev.reminded_at IS NULL AND ev.closes_at > :now
          AND :now >= ev.closes_at - LEAST(make_interval(days => :days), (ev.closes_at - ev.opens_at) / 2)
       RETURNING ev.id, ev.offering_id, ev.scope, ev.session_id, ev.module_id, ev.closes_at)
     SELECT p.evaluation_id, p.user_id, ev.closes_at, ev.scope, ${SUBJECT_COLUMNS}
       FROM claimed ev JOIN evaluation_participants p ON p.evaluation_id = ev.id AND NOT p.has_answered
      ORDER BY p.evaluation_id, p.user_id`,
    { now, days: remindBeforeDays },
  );
  return result.rows;
}

/**
 * Closes every evaluation past its end: the counts become final on the evaluation, the
 * participants (who was asked, who answered) are deleted. Rows another instance is closing are skipped.
 */
export async function closeDue(trx: Db, now: Date): Promise<number> {
  const result = await trx.raw<{ rows: { id: number }[] }>(
    `WITH due AS (
       SELECT id FROM evaluations WHERE closed_at IS NULL AND closes_at <= :now ORDER BY id FOR UPDATE SKIP LOCKED),
     counted AS (
       SELECT due.id, count(p.user_id)::int AS invited, (count(p.user_id) FILTER (WHERE p.has_answered))::int AS answered
         FROM due LEFT JOIN evaluation_participants p ON p.evaluation_id = due.id
        GROUP BY due.id),
     closed AS (
       UPDATE evaluations ev SET closed_at = :now, invited_count = c.invited, answered_count = c.answered
         FROM counted c WHERE ev.id = c.id
       RETURNING ev.id),
     removed AS (
       DELETE FROM evaluation_participants p USING closed WHERE p.evaluation_id = closed.id)
     SELECT id FROM closed`,
    { now },
  );
  return result.rows.length;
}
