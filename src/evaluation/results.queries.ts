import type { Knex } from 'knex';
import type { Database } from '../db/database';
import type { Answers, ResultItem } from './results.stats';

type Db = Database | Knex.Transaction;

/**
 * Reads for evaluation results. Only closed evaluations' answers are ever read here, and never
 * anything that could lead to a person: no participant rows, no response ids or dates. Offering,
 * programme and session details come from the catalog's published read models.
 */

/** Whose results: everything (coordination), or what one trainer taught. */
export type Viewer = { all: true } | { all: false; trainerId: number };

/** The sessions an evaluation is about, from the catalog's schedule `ss` of evaluation `e`. */
const SUBJECT_SESSIONS = `ss.offering_id = e.offering_id
  AND (e.scope = 'offering' OR (e.scope = 'session' AND ss.session_id = e.session_id) OR (e.scope = 'module' AND ss.module_id = e.module_id))`;

/** A trainer sees an evaluation when they taught one of the sessions it is about. */
function visibleTo<T extends Knex.QueryBuilder>(query: T, db: Db, viewer: Viewer): T {
  if (viewer.all) return query;
  return query.whereExists(
    db
      .select(db.raw('1'))
      .from('catalog_session_trainers as st')
      .join('catalog_session_schedule as ss', 'ss.session_id', 'st.session_id')
      .where('st.user_id', viewer.trainerId)
      .whereRaw(SUBJECT_SESSIONS),
  ) as T;
}

export type EvaluationRow = {
  id: number;
  scope: 'session' | 'module' | 'offering';
  offering_id: number;
  opens_at: Date;
  closes_at: Date;
  closed_at: Date | null;
  invited_count: number;
  answered_count: number;
  version_id: number;
  version: number;
  questionnaire_id: number;
  questionnaire_title: string;
  offering_title: string;
  programme_id: number;
  programme_title: string;
  subject_starts_at: Date | null;
  subject_ends_at: Date | null;
  module_title: string | null;
};

function evaluationsWithSubject(db: Db) {
  return db('evaluations as e')
    .join('questionnaire_versions as v', 'v.id', 'e.version_id')
    .join('catalog_offering_titles as o', 'o.offering_id', 'e.offering_id')
    .join('catalog_programme_outline as p', 'p.programme_id', 'o.programme_id')
    .joinRaw(
      `LEFT JOIN LATERAL (SELECT min(ss.starts_at) AS starts_at, max(ss.ends_at) AS ends_at, min(ss.module_title) AS module_title
         FROM catalog_session_schedule ss WHERE ${SUBJECT_SESSIONS}) subject ON true`,
    )
    .select(
      'e.id',
      'e.scope',
      'e.offering_id',
      'e.opens_at',
      'e.closes_at',
      'e.closed_at',
      'e.invited_count',
      'e.answered_count',
      'e.version_id',
      'v.version',
      'v.questionnaire_id',
      'v.title as questionnaire_title',
      'o.title as offering_title',
      'o.programme_id',
      'p.title as programme_title',
      'subject.starts_at as subject_starts_at',
      'subject.ends_at as subject_ends_at',
      'subject.module_title',
    );
}

export type ListFilter = { programmeId: number | null; from: Date | null; until: Date | null; limit: number; offset: number };

/** A page of the evaluations the viewer may see (trainers: closed ones only), newest first, with the total. */
export async function selectEvaluationPage(db: Db, viewer: Viewer, filter: ListFilter): Promise<{ rows: EvaluationRow[]; total: number }> {
  const query = evaluationsWithSubject(db)
    .select(db.raw('count(*) OVER () AS total'))
    .orderBy([
      { column: 'e.opens_at', order: 'desc' },
      { column: 'e.id', order: 'desc' },
    ])
    .limit(filter.limit)
    .offset(filter.offset);
  if (!viewer.all) query.whereNotNull('e.closed_at');
  if (filter.programmeId !== null) query.where('o.programme_id', filter.programmeId);
  if (filter.from) query.where('e.opens_at', '>=', filter.from);
  if (filter.until) query.where('e.opens_at', '<', filter.until);
  const rows = (await visibleTo(query, db, viewer)) as (EvaluationRow & { total: string })[];
  return { rows, total: rows.length > 0 ? Number(rows[0]!.total) : 0 };
}

/** Who has been invited to and who has answered an open evaluation so far (counts only). */
export type LiveCounts = { invited_so_far: number; answered_so_far: number };

/** One evaluation if the viewer may see it, with the live counts of an open one. */
export async function selectEvaluation(db: Db, viewer: Viewer, id: number): Promise<(EvaluationRow & LiveCounts) | undefined> {
  const query = evaluationsWithSubject(db)
    .select(
      db.raw('(SELECT count(*)::int FROM evaluation_participants ep WHERE ep.evaluation_id = e.id) AS invited_so_far'),
      db.raw('(SELECT count(*)::int FROM evaluation_participants ep WHERE ep.evaluation_id = e.id AND ep.has_answered) AS answered_so_far'),
    )
    .where('e.id', id)
    .first();
  return (await visibleTo(query, db, viewer)) as (EvaluationRow & LiveCounts) | undefined;
}

export async function selectItems(db: Db, versionId: number): Promise<ResultItem[]> {
  return db('questionnaire_items')
    .select('id', 'kind', 'prompt', 'position', 'options', 'scale_low_label', 'scale_high_label')
    .where('version_id', versionId)
    .orderBy('position');
}

/** The answers of one evaluation, without their ids or dates (nothing to order or link them by). */
export async function selectAnswers(db: Db, evaluationId: number): Promise<Answers[]> {
  const rows = (await db('evaluation_responses').select('answers').where('evaluation_id', evaluationId)) as { answers: Answers }[];
  return rows.map((row) => row.answers);
}

export type ProgrammeOption = { programme_id: number; title: string };

export async function selectProgrammes(db: Db): Promise<ProgrammeOption[]> {
  return db('catalog_programme_outline').select('programme_id', 'title').orderByRaw('title COLLATE german, programme_id');
}

export type QuestionnaireOption = { questionnaire_id: number; title: string };

/** Questionnaires with at least one closed evaluation the viewer may see: what the comparison offers. */
export async function selectComparableQuestionnaires(db: Db, viewer: Viewer): Promise<QuestionnaireOption[]> {
  const evaluated = visibleTo(db('evaluations as e').join('questionnaire_versions as v', 'v.id', 'e.version_id').select('v.questionnaire_id').whereNotNull('e.closed_at'), db, viewer);
  return db('questionnaires as q').select('q.id as questionnaire_id', 'q.title').whereIn('q.id', evaluated).orderByRaw('q.title COLLATE german, q.id');
}

export type ScaleItemRow = { item_key: string; prompt: string; scale_low_label: string | null; scale_high_label: string | null };

/**
 * The scale questions of a questionnaire across its versions, once per item_key, worded as in
 * the newest version that has it; the newest version's order first.
 */
export async function selectScaleItems(db: Db, questionnaireId: number): Promise<ScaleItemRow[]> {
  const rows = (await db
    .select('item_key', 'prompt', 'scale_low_label', 'scale_high_label')
    .from(
      db('questionnaire_items as i')
        .join('questionnaire_versions as v', 'v.id', 'i.version_id')
        .distinctOn('i.item_key')
        .select('i.item_key', 'i.prompt', 'i.scale_low_label', 'i.scale_high_label', 'v.version', 'i.position')
        .where({ 'v.questionnaire_id': questionnaireId, 'i.kind': 'scale' })
        .orderBy([{ column: 'i.item_key' }, { column: 'v.version', order: 'desc' }])
        .as('latest'),
    )
    .orderBy([
      { column: 'version', order: 'desc' },
      { column: 'position' },
    ])) as ScaleItemRow[];
  return rows;
}

export type ComparisonRow = {
  offering_id: number;
  offering_title: string;
  programme_title: string;
  first_opened: Date;
  /** Responses of the offering's evaluations that reach the threshold. */
  responses: number;
  /** Evaluations of the offering left out because they stayed below the threshold. */
  withheld_evaluations: number;
  item_key: string | null;
  answers: number | null;
  mean: number | null;
  median: number | null;
};

export type ComparisonFilter = { questionnaireId: number; programmeId: number | null; from: Date; until: Date; minResponses: number };

/**
 * Per offering and scale question (item_key, so across versions): answers, mean and median,
 * from the closed evaluations of the questionnaire that opened in the period. An evaluation
 * below the threshold is left out entirely, also from its offering's sum: otherwise the sum
 * minus the offering's other, shown evaluations would reveal its few answers.
 */
export async function selectComparison(db: Db, viewer: Viewer, filter: ComparisonFilter): Promise<ComparisonRow[]> {
  const evaluations = visibleTo(
    db('evaluations as e')
      .join('questionnaire_versions as v', 'v.id', 'e.version_id')
      .join('catalog_offering_titles as o', 'o.offering_id', 'e.offering_id')
      .select('e.id', 'e.offering_id', 'e.version_id', 'e.opens_at', 'e.answered_count')
      .where('v.questionnaire_id', filter.questionnaireId)
      .whereNotNull('e.closed_at')
      .where('e.opens_at', '>=', filter.from)
      .where('e.opens_at', '<', filter.until)
      .modify((query) => {
        if (filter.programmeId !== null) query.where('o.programme_id', filter.programmeId);
      }),
    db,
    viewer,
  );
  const result = await db
    .with('chosen', evaluations)
    .with(
      'counted',
      db.raw(`SELECT c.*, (SELECT count(*) FROM evaluation_responses r WHERE r.evaluation_id = c.id)::int AS responses FROM chosen c`),
    )
    .with(
      'offerings',
      db.raw(
        `SELECT c.offering_id, min(c.opens_at) AS first_opened,
                coalesce(sum(c.responses) FILTER (WHERE c.responses >= ?), 0)::int AS responses,
                count(*) FILTER (WHERE c.responses < ?)::int AS withheld_evaluations
           FROM counted c GROUP BY c.offering_id`,
        [filter.minResponses, filter.minResponses],
      ),
    )
    .with(
      'figures',
      db.raw(
        // The CASE keeps the cast away from values of other items (arrays, texts), whatever order the planner picks.
        `SELECT c.offering_id, i.item_key, count(*)::int AS answers, avg(answer.point)::float8 AS mean,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY answer.point) AS median
           FROM counted c
           JOIN evaluation_responses r ON r.evaluation_id = c.id
           CROSS JOIN LATERAL jsonb_each(r.answers) a(item_id, value)
           CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(a.value) = 'number' THEN (a.value)::numeric END AS point) answer
           JOIN questionnaire_items i ON i.version_id = c.version_id AND i.id::text = a.item_id AND i.kind = 'scale'
          WHERE c.responses >= ? AND answer.point BETWEEN 1 AND 5
          GROUP BY c.offering_id, i.item_key`,
        [filter.minResponses],
      ),
    )
    .select('g.offering_id', 'o.title as offering_title', 'p.title as programme_title', 'g.first_opened', 'g.responses', 'g.withheld_evaluations', 'f.item_key', 'f.answers', 'f.mean', 'f.median')
    .from('offerings as g')
    .join('catalog_offering_titles as o', 'o.offering_id', 'g.offering_id')
    .join('catalog_programme_outline as p', 'p.programme_id', 'o.programme_id')
    .leftJoin('figures as f', 'f.offering_id', 'g.offering_id')
    .orderByRaw('g.first_opened, o.title COLLATE german, g.offering_id');
  return result as ComparisonRow[];
}
