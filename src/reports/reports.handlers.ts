import type { Request, Response } from 'express';
import { renderFormPage, type FormPage } from '../http/forms';
import { userOf } from '../http/request';
import { keptInput, parseForm } from '../http/validate';
import { contentDisposition } from '../shared/files';
import { sectionsCsv, writeSectionsXlsx } from './reports.export';
import { funderSections, trainerSections } from './reports.files';
import { reportFilterSchema, type ReportFilter } from './reports.schemas';
import type { ReportsService } from './reports.service';
import { filterParams, formatDuration, organisationTotals, periodLabel, programmeLabel, programmeOptions, queryString } from './reports.view';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The chooser, the two reports (a page of offerings or trainers at a time) and their files. */
export function createReportsHandlers(reports: ReportsService) {
  const chooserPage: FormPage = {
    view: 'reports/index',
    titleKey: 'reports.index.title',
    locals: async (req: Request) => {
      const { programmes } = await reports.chooser(userOf(req), { from: undefined, to: undefined, programme: null });
      return { programmeOptions: programmeOptions(programmes) };
    },
  };

  /** The filter of the URL, or the chooser again (422) with the German messages and what was typed. */
  async function filterOf(req: Request, res: Response): Promise<ReportFilter | undefined> {
    const result = parseForm(reportFilterSchema, req.query);
    if (result.ok) return result.data;
    await renderFormPage(req, res, chooserPage, result.errors, keptInput(req.query));
    return undefined;
  }

  /** What both report pages show above their tables. */
  function heading(req: Request, report: Parameters<typeof programmeLabel>[0] & { period: Parameters<typeof filterParams>[0] }) {
    const params = filterParams(report.period);
    return { params, query: queryString(params), periodText: periodLabel(report.period, req.locale), programmeText: programmeLabel(report, req.t) };
  }

  function fileName(req: Request, key: string, filter: ReturnType<typeof filterParams>, ending: string): string {
    return `${req.t(key)}-${filter.from}-${filter.to}.${ending}`;
  }

  return {
    async chooser(req: Request, res: Response): Promise<void> {
      const filter = await filterOf(req, res);
      if (!filter) return;
      const { period } = await reports.chooser(userOf(req), filter);
      await renderFormPage(req, res, chooserPage, {}, filterParams(period));
    },

    async funder(req: Request, res: Response): Promise<void> {
      const filter = await filterOf(req, res);
      if (!filter) return;
      const report = await reports.funder.page(userOf(req), filter);
      res.renderPage('reports/funder', {
        title: req.t('reports.funder.title'),
        ...report,
        ...heading(req, report),
        organisationSums: organisationTotals(report.organisationsOf, req.t),
      });
    },

    async funderFile(req: Request, res: Response): Promise<void> {
      const filter = await filterOf(req, res);
      if (!filter) return;
      const report = await reports.funder.all(userOf(req), filter);
      const { preamble, sections } = funderSections(report, req.t, req.locale);
      await sendFile(req, res, fileName(req, 'reports.files.funderName', filterParams(report.period), req.path.endsWith('.csv') ? 'csv' : 'xlsx'), preamble, sections);
    },

    async trainers(req: Request, res: Response): Promise<void> {
      const filter = await filterOf(req, res);
      if (!filter) return;
      const report = await reports.trainers.page(userOf(req), filter);
      const duration = (minutes: number) => formatDuration(minutes, req.t);
      res.renderPage('reports/trainers', { title: req.t('reports.trainers.title'), ...report, ...heading(req, report), duration });
    },

    async trainerFile(req: Request, res: Response): Promise<void> {
      const filter = await filterOf(req, res);
      if (!filter) return;
      const report = await reports.trainers.all(userOf(req), filter);
      const { preamble, sections } = trainerSections(report, req.t, req.locale);
      await sendFile(req, res, fileName(req, 'reports.files.trainerName', filterParams(report.period), req.path.endsWith('.csv') ? 'csv' : 'xlsx'), preamble, sections);
    },
  };
}

async function sendFile(req: Request, res: Response, name: string, preamble: Parameters<typeof sectionsCsv>[0], sections: Parameters<typeof sectionsCsv>[1]): Promise<void> {
  res.setHeader('Content-Disposition', contentDisposition('attachment', name));
  if (name.endsWith('.csv')) {
    res.type('text/csv; charset=utf-8');
    res.send(sectionsCsv(preamble, sections));
    return;
  }
  res.type(XLSX_TYPE);
  await writeSectionsXlsx(sections, res);
  res.end();
}
