import type { SessionUser } from '../accounts/roles';
import type { Database } from '../db/database';
import { NotFound } from '../shared/errors';
import { pageOf, pageWindow, type Page } from '../shared/paging';
import { parseAnswers, type AnswerItem } from './answers.form';
import * as queries from './answers.queries';

/** Why a person sees no form: not a participant, already answered, or the period is over. */
export type AnswerState = 'open' | 'notParticipant' | 'answered' | 'closed';

export type AnswerPage = {
  evaluation: Omit<queries.EvaluationForPerson, 'has_answered'>;
  state: AnswerState;
  items: AnswerItem[];
};

export type SubmitOutcome =
  | { kind: 'saved' }
  | { kind: 'invalid'; page: AnswerPage; errors: Record<string, string>; errorParams: Record<string, Record<string, unknown>> }
  | { kind: 'refused'; page: AnswerPage };

export const MY_EVALUATIONS_PAGE_SIZE = 20;

/** The page needs the evaluation, not the yes/no it was read with (the state says it). */
const withoutParticipation = ({ has_answered: _hasAnswered, ...evaluation }: queries.EvaluationForPerson) => evaluation;

/**
 * Answering an evaluation: only its participants (people marked present or late), once, and
 * without any trace that links the answer to them. Nothing here writes an audit entry or a log
 * line naming the person: "X answered evaluation 7 at 10:42" next to the stored answers is exactly
 * the link the design leaves out.
 */
export function createAnswersService(db: Database, now: () => Date = () => new Date()) {
  function stateOf(evaluation: queries.EvaluationForPerson, moment: Date): AnswerState {
    if (evaluation.closed_at || evaluation.closes_at <= moment) return 'closed';
    if (evaluation.has_answered === null) return 'notParticipant';
    return evaluation.has_answered ? 'answered' : 'open';
  }

  async function pageFor(user: SessionUser, evaluationId: number, moment: Date): Promise<AnswerPage> {
    const evaluation = await queries.findEvaluationForPerson(db, evaluationId, user.id);
    if (!evaluation) throw new NotFound();
    const state = stateOf(evaluation, moment);
    // The questions only for those who may answer them.
    const items = state === 'open' ? await queries.selectItems(db, evaluation.version_id) : [];
    return { evaluation: withoutParticipation(evaluation), state, items };
  }

  return {
    /** The form, or the reason there is none. */
    async answerPage(user: SessionUser, evaluationId: number): Promise<AnswerPage> {
      return pageFor(user, evaluationId, now());
    },

    /**
     * Checks the answers, claims the person's one answer (its own transaction: the yes/no), then
     * stores the answer (a second transaction, no link to the person). If storing fails the claim
     * is given back, so the person can try again; the first of parallel submissions wins. Then
     * every yes/no row of the evaluation is rewritten (a third transaction), so no row keeps the
     * transaction id that came right before the answer's.
     */
    async submit(user: SessionUser, evaluationId: number, body: unknown): Promise<SubmitOutcome> {
      const moment = now();
      const page = await pageFor(user, evaluationId, moment);
      if (page.state !== 'open') return { kind: 'refused', page };
      const parsed = parseAnswers(page.items, body);
      if (!parsed.ok) return { kind: 'invalid', page, errors: parsed.errors, errorParams: parsed.errorParams };
      const claimed = await db.transaction((trx) => queries.claimAnswer(trx, evaluationId, user.id, moment));
      if (!claimed) return { kind: 'refused', page: await pageFor(user, evaluationId, moment) };
      try {
        await db.transaction((trx) => queries.insertResponse(trx, evaluationId, moment, parsed.answers));
      } catch (error) {
        await queries.releaseClaim(db, evaluationId, user.id);
        throw error;
      }
      await db.transaction((trx) => queries.restampParticipants(trx, evaluationId));
      return { kind: 'saved' };
    },

    /** The person's open evaluations (/my/evaluations), paged. */
    async openOf(user: SessionUser, page: number): Promise<Page<Omit<queries.OpenEvaluationRow, 'total'>>> {
      const window = pageWindow(page, MY_EVALUATIONS_PAGE_SIZE);
      const rows = await queries.selectOpenOfPerson(db, user.id, now(), window.limit, window.offset);
      return pageOf(
        rows.map(({ total: _total, ...row }) => row),
        rows[0]?.total ?? 0,
        window,
      );
    },
  };
}

export type AnswersService = ReturnType<typeof createAnswersService>;
