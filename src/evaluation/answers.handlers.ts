import type { Request, Response } from 'express';
import { idParam, userOf } from '../http/request';
import { pageNumber } from '../shared/paging';
import { keptAnswers } from './answers.form';
import type { AnswerPage, AnswersService } from './answers.service';
import { evaluationHeading, formItems } from './answers.view';
import { subjectOf } from './evaluations.service';

/** Status of a page without a form: a non-participant is refused; answered and closed are facts, not errors. */
const STATUS_OF_STATE = { open: 200, notParticipant: 403, answered: 200, closed: 200 } as const;

export function createAnswersHandlers(answers: AnswersService) {
  function render(
    req: Request,
    res: Response,
    page: AnswerPage,
    status: number,
    form: { kept?: Record<string, string[]>; errors?: Record<string, string>; errorParams?: Record<string, Record<string, unknown>> } = {},
  ): void {
    const heading = evaluationHeading(page, req.locale);
    const items = formItems(page.items, req.t, form.kept, form.errors, form.errorParams);
    res.status(status).renderPage('evaluation/answer', {
      title: page.state === 'open' ? page.evaluation.title : req.t(`evaluationAnswers.state.${page.state}.title`),
      page,
      heading,
      items,
      errors: form.errors ?? {},
      errorParams: form.errorParams ?? {},
    });
  }

  return {
    async show(req: Request, res: Response): Promise<void> {
      const page = await answers.answerPage(userOf(req), idParam(req));
      // Right after answering the page thanks the person (the state says "answered" anyway).
      if (page.state === 'answered' && req.query.saved === '1') res.locals.flash = { type: 'success', messageKey: 'evaluationAnswers.saved' };
      render(req, res, page, STATUS_OF_STATE[page.state]);
    },

    async submit(req: Request, res: Response): Promise<void> {
      const evaluationId = idParam(req);
      const outcome = await answers.submit(userOf(req), evaluationId, req.body);
      // The thanks travel in the address, not in the session: a session write at this moment
      // would put the person's id next to the answer's transaction.
      if (outcome.kind === 'saved') return res.redirect(303, `/evaluations/${evaluationId}?saved=1`);
      if (outcome.kind === 'invalid') {
        return render(req, res, outcome.page, 422, { kept: keptAnswers(outcome.page.items, req.body), errors: outcome.errors, errorParams: outcome.errorParams });
      }
      // A second tab, a late submission or a non-participant: the page says why, nothing was stored.
      render(req, res, outcome.page, outcome.page.state === 'notParticipant' ? 403 : 409);
    },

    async mine(req: Request, res: Response): Promise<void> {
      const list = await answers.openOf(userOf(req), pageNumber(req.query.page));
      const rows = list.rows.map((row) => ({ ...row, subject: subjectOf(row, req.locale) }));
      res.renderPage('evaluation/answer-list', { title: req.t('evaluationAnswers.mine.title'), list: { ...list, rows } });
    },
  };
}
