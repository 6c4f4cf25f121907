import type { Request, Response } from 'express';
import { idParam, userOf } from '../http/request';
import { keptInput, parseForm, type FieldErrors } from '../http/validate';
import { sectionsCsv, writeSectionsXlsx, type Section } from '../reports/reports.export';
import type { CsvCell } from '../shared/csv';
import { contentDisposition } from '../shared/files';
import { comparisonSections, resultSections, type FileKind } from './results.export';
import { comparisonFilterSchema, resultsFilterSchema } from './results.schemas';
import type { ResultsService } from './results.service';
import { CHART_COLOURS, comparisonViews, itemViews, listRow, overview } from './results.view';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function fileKindOf(req: Request): FileKind {
  return req.path.endsWith('.csv') ? 'csv' : 'xlsx';
}

async function sendFile(res: Response, name: string, kind: FileKind, file: { preamble: CsvCell[][]; sections: Section[] }): Promise<void> {
  res.setHeader('Content-Disposition', contentDisposition('attachment', `${name}.${kind}`));
  if (kind === 'csv') {
    res.type('text/csv; charset=utf-8');
    res.send(sectionsCsv(file.preamble, file.sections));
    return;
  }
  res.type(XLSX_TYPE);
  await writeSectionsXlsx(file.sections, res);
  res.end();
}

/** The results list, one evaluation's results, the comparison, and their files. */
export function createResultsHandlers(results: ResultsService) {
  const programmeOptions = (programmes: { programme_id: number; title: string }[]) => programmes.map((row) => ({ value: String(row.programme_id), label: row.title }));

  /** The comparison form again (422) with the German messages and what was typed. */
  async function comparisonErrors(req: Request, res: Response, errors: FieldErrors): Promise<void> {
    const data = await results.comparison(userOf(req), { questionnaire: null, from: undefined, to: undefined, programme: null });
    res.status(422).renderPage('evaluation/result-comparison', {
      title: req.t('evaluationResults.comparison.title'),
      errors,
      values: keptInput(req.query),
      questionnaireOptions: data.questionnaires.map((row) => ({ value: String(row.questionnaire_id), label: row.title })),
      programmeOptions: programmeOptions(data.programmes),
      chosen: null,
      items: [],
      groups: [],
      withheldEvaluations: 0,
      query: '',
      colours: CHART_COLOURS,
      minResponses: data.minResponses,
    });
  }

  return {
    async list(req: Request, res: Response): Promise<void> {
      const parsed = parseForm(resultsFilterSchema, req.query);
      const filter = parsed.ok ? parsed.data : { from: undefined, to: undefined, programme: null, page: 1 };
      const data = await results.list(userOf(req), filter);
      if (!parsed.ok) res.status(422);
      const params = { from: filter.from ?? '', to: filter.to ?? '', programme: filter.programme ? String(filter.programme) : '' };
      res.renderPage('evaluation/results', {
        title: req.t('evaluationResults.list.title'),
        errors: parsed.ok ? {} : parsed.errors,
        values: parsed.ok ? params : keptInput(req.query),
        programmeOptions: programmeOptions(data.programmes),
        rows: parsed.ok ? data.page.rows.map((row) => listRow(row, req.t, req.locale)) : [],
        page: data.page,
        params,
        seesAll: data.seesAll,
        minResponses: data.minResponses,
      });
    },

    async show(req: Request, res: Response): Promise<void> {
      const result = await results.result(userOf(req), idParam(req));
      res.renderPage('evaluation/result', {
        title: req.t('evaluationResults.result.title', { title: result.evaluation.questionnaire_title }),
        state: result.state,
        evaluationId: result.evaluation.id,
        facts: overview(result, req.t, req.locale),
        closesAt: result.evaluation.closes_at,
        minResponses: result.minResponses,
        items: result.state === 'shown' ? itemViews(result.items, req.t, req.locale) : [],
        colours: CHART_COLOURS,
      });
    },

    async file(req: Request, res: Response): Promise<void> {
      const kind = fileKindOf(req);
      const result = await results.resultFile(userOf(req), idParam(req));
      const name = req.t('evaluationResults.files.resultName', { id: result.evaluation.id });
      await sendFile(res, name, kind, resultSections(result, req.t, req.locale, kind));
    },

    async comparison(req: Request, res: Response): Promise<void> {
      const parsed = parseForm(comparisonFilterSchema, req.query);
      if (!parsed.ok) return comparisonErrors(req, res, parsed.errors);
      const data = await results.comparison(userOf(req), parsed.data);
      const params: Record<string, string> = { from: data.days.fromDay, to: data.days.toDay };
      if (data.questionnaire) params.questionnaire = String(data.questionnaire.questionnaire_id);
      if (data.programmeId) params.programme = String(data.programmeId);
      res.renderPage('evaluation/result-comparison', {
        title: req.t('evaluationResults.comparison.title'),
        errors: {},
        values: params,
        questionnaireOptions: data.questionnaires.map((row) => ({ value: String(row.questionnaire_id), label: row.title })),
        programmeOptions: programmeOptions(data.programmes),
        chosen: data.questionnaire,
        items: comparisonViews(data, req.t, req.locale),
        groups: data.groups,
        withheldEvaluations: data.groups.reduce((sum, group) => sum + group.withheld_evaluations, 0),
        query: new URLSearchParams(params).toString(),
        colours: CHART_COLOURS,
        minResponses: data.minResponses,
      });
    },

    async comparisonFile(req: Request, res: Response): Promise<void> {
      const parsed = parseForm(comparisonFilterSchema, req.query);
      if (!parsed.ok) return comparisonErrors(req, res, parsed.errors);
      const kind = fileKindOf(req);
      const data = await results.comparison(userOf(req), parsed.data);
      if (!data.questionnaire) return comparisonErrors(req, res, { questionnaire: 'evaluationResults.errors.questionnaireRequired' });
      const name = req.t('evaluationResults.files.comparisonName', { from: data.days.fromDay, to: data.days.toDay });
      await sendFile(res, name, kind, comparisonSections(data, req.t, req.locale, kind));
    },
  };
}
