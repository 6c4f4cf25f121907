import { assertCan, seesAllEvaluationResults } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import type { Database } from '../db/database';
import { NotFound } from '../shared/errors';
import { TIME_ZONE } from '../shared/format';
import { lastPageWindow, pageOf, pageWindow } from '../shared/paging';
import * as queries from './results.queries';
import { berlinMidnight, comparisonDays, periodInstants, type ComparisonFilter, type ResultsFilter } from './results.schemas';
import { itemResults, reachesThreshold, type ItemResult } from './results.stats';

/** Evaluations per page of the results list. */
export const RESULTS_PAGE_SIZE = 20;

function viewerOf(user: SessionUser): queries.Viewer {
  const trainerId = user.id;
  return seesAllEvaluationResults(user) ? { all: true } : { all: false, trainerId };
}

function todayInBerlin(now: Date): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: TIME_ZONE }).format(now);
}

/**
 * What an evaluation's page may show:
 * - `open`: still running; coordination sees when it ends and how many have answered, never answers;
 * - `withheld`: closed with fewer responses than the threshold; only the counts;
 * - `shown`: closed and at or above the threshold; every item's figures and the free texts.
 */
export type EvaluationResult =
  | { state: 'open'; evaluation: queries.EvaluationRow & queries.LiveCounts; minResponses: number }
  | { state: 'withheld'; evaluation: queries.EvaluationRow; responses: number; minResponses: number }
  | { state: 'shown'; evaluation: queries.EvaluationRow; responses: number; minResponses: number; items: ItemResult[] };

export type ComparisonGroup = Omit<queries.ComparisonRow, 'item_key' | 'answers' | 'mean' | 'median'> & { shown: boolean };
export type ComparisonCell = { group: ComparisonGroup; answers: number; mean: number | null; median: number | null };
export type ComparisonItem = queries.ScaleItemRow & { cells: ComparisonCell[] };

/**
 * Results of closed evaluations: coordination sees every evaluation, a trainer those of sessions
 * they taught (anything else is "not found", so ids in URLs reveal nothing); participants none.
 * A group below `minResponses` shows its counts only.
 */
export function createResultsService(db: Database, options: { minResponses: number }, now: () => Date = () => new Date()) {
  const { minResponses } = options;

  /** One evaluation's results, as far as the viewer may see them (see `EvaluationResult`). */
  async function result(user: SessionUser, evaluationId: number): Promise<EvaluationResult> {
    assertCan(user, 'evaluation.viewResults');
    const viewer = viewerOf(user);
    const evaluation = await queries.selectEvaluation(db, viewer, evaluationId);
    if (!evaluation) throw new NotFound();
    if (!evaluation.closed_at) {
      // Before closing a trainer has nothing to see here.
      if (!viewer.all) throw new NotFound();
      return { state: 'open', evaluation, minResponses };
    }
    const [items, answers] = await Promise.all([queries.selectItems(db, evaluation.version_id), queries.selectAnswers(db, evaluation.id)]);
    if (!reachesThreshold(answers.length, minResponses)) return { state: 'withheld', evaluation, responses: answers.length, minResponses };
    return { state: 'shown', evaluation, responses: answers.length, minResponses, items: itemResults(items, answers) };
  }

  return {
    minResponses,
    result,

    /** The results as a file: only of a closed evaluation (an open one has no results yet). */
    async resultFile(user: SessionUser, evaluationId: number): Promise<Exclude<EvaluationResult, { state: 'open' }>> {
      const found = await result(user, evaluationId);
      if (found.state === 'open') throw new NotFound();
      return found;
    },

    /** A page of evaluations, newest first, and the programmes to filter by. */
    async list(user: SessionUser, filter: ResultsFilter) {
      assertCan(user, 'evaluation.viewResults');
      const viewer = viewerOf(user);
      const period = periodInstants(filter.from, filter.to);
      const fetch = (window: ReturnType<typeof pageWindow>) =>
        queries.selectEvaluationPage(db, viewer, { programmeId: filter.programme, from: period.from, until: period.until, limit: window.limit, offset: window.offset });
      let window = pageWindow(filter.page, RESULTS_PAGE_SIZE);
      const [programmes, first] = await Promise.all([queries.selectProgrammes(db), fetch(window)]);
      let found = first;
      // A page past the end (the URL was edited): show the last one; only then a second read.
      if (found.rows.length === 0 && window.page > 1) {
        const count = await queries.selectEvaluationPage(db, viewer, { programmeId: filter.programme, from: period.from, until: period.until, limit: 1, offset: 0 });
        const last = lastPageWindow(count.total, window);
        if (last) {
          window = last;
          found = await fetch(window);
        }
      }
      return { programmes, page: pageOf(found.rows, found.total, window), seesAll: viewer.all, minResponses };
    },

    /**
     * The same questionnaire's scale questions (item_key, across versions) per offering over a
     * period: the filter's choices, and the figures once a questionnaire is chosen.
     */
    async comparison(user: SessionUser, filter: ComparisonFilter) {
      assertCan(user, 'evaluation.viewResults');
      const viewer = viewerOf(user);
      const days = comparisonDays(filter, todayInBerlin(now()));
      const [questionnaires, programmes] = await Promise.all([queries.selectComparableQuestionnaires(db, viewer), queries.selectProgrammes(db)]);
      const questionnaire = questionnaires.find((row) => row.questionnaire_id === filter.questionnaire) ?? null;
      if (filter.questionnaire !== null && !questionnaire) throw new NotFound();
      const base = { questionnaires, programmes, days, questionnaire, programmeId: filter.programme, minResponses };
      if (!questionnaire) return { ...base, items: [] as ComparisonItem[], groups: [] as ComparisonGroup[] };
      const [scaleItems, rows] = await Promise.all([
        queries.selectScaleItems(db, questionnaire.questionnaire_id),
        queries.selectComparison(db, viewer, {
          questionnaireId: questionnaire.questionnaire_id,
          programmeId: filter.programme,
          from: berlinMidnight(days.fromDay),
          until: periodInstants(undefined, days.toDay).until!,
          minResponses,
        }),
      ]);
      const groups = new Map<number, ComparisonGroup>();
      for (const row of rows) {
        if (!groups.has(row.offering_id)) {
          groups.set(row.offering_id, {
            offering_id: row.offering_id,
            offering_title: row.offering_title,
            programme_title: row.programme_title,
            first_opened: row.first_opened,
            responses: row.responses,
            withheld_evaluations: row.withheld_evaluations,
            shown: reachesThreshold(row.responses, minResponses),
          });
        }
      }
      const items = scaleItems.map((item) => ({
        ...item,
        cells: [...groups.values()].map((group) => {
          const row = group.shown ? rows.find((candidate) => candidate.offering_id === group.offering_id && candidate.item_key === item.item_key) : undefined;
          return { group, answers: row?.answers ?? 0, mean: row?.mean ?? null, median: row?.median ?? null };
        }),
      }));
      return { ...base, items, groups: [...groups.values()] };
    },
  };
}

export type ResultsService = ReturnType<typeof createResultsService>;
export type ComparisonData = Awaited<ReturnType<ResultsService['comparison']>>;
export type ResultsList = Awaited<ReturnType<ResultsService['list']>>;
