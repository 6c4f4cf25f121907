import type { Request, Response } from 'express';
import { can } from '../accounts/permissions';
import { userOf } from '../http/request';
import { keptInput, parseForm } from '../http/validate';
import { contentDisposition } from '../shared/files';
import type { Locale } from '../shared/format';
import { writeAuditCsv, writeAuditXlsx } from './audit.export';
import { auditFilterSchema, KNOWN_ACTIONS, SUBJECT_TYPES } from './audit.schemas';
import { AUDIT_EXPORT_MAX_ROWS, type AuditLog } from './audit.service';
import { actionLabel, auditLines } from './audit.view';

const FILTER_FIELDS = ['action', 'actor', 'offering', 'subjectType', 'subjectId', 'from', 'to'] as const;
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The page's address; /admin/audit (its first address) redirects here with its query. */
export const AUDIT_PATH = '/audit';

/** `path` with the given parameters, empty ones left out. */
function withQuery(path: string, params: Record<string, string>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return `${path}${text ? `?${text}` : ''}`;
}

/**
 * GET /audit: the trail, filtered by a GET form, a page of 50 at a time by keyset, and the
 * same filter as CSV or XLSX. Administration sees every entry, coordination the entries
 * about programmes (the service decides).
 */
export function createAuditHandlers(auditLog: AuditLog) {
  /** What every rendering of the page needs: the filter as typed (never the cursors) and the lists. */
  function pageBasics(req: Request) {
    const values = keptInput(req.query);
    const params = Object.fromEntries(FILTER_FIELDS.map((field) => [field, (values[field] ?? '').trim()])) as Record<string, string>;
    const actions: { value: string; label: string }[] = KNOWN_ACTIONS.map((action) => ({ value: action, label: actionLabel(action, req.t) }));
    // An action that is not in the list (a link, a newer action) still shows as chosen.
    if (params.action && !actions.some((option) => option.value === params.action)) actions.push({ value: params.action, label: actionLabel(params.action, req.t) });
    actions.sort((a, b) => a.label.localeCompare(b.label, 'de'));
    const subjectTypes = SUBJECT_TYPES.map((type) => ({ value: type, label: req.t(`audit.subjects.${type}`) }));
    return {
      params,
      common: {
        title: req.t('audit.title'),
        formAction: AUDIT_PATH,
        values: params,
        params,
        actionOptions: actions,
        subjectTypeOptions: subjectTypes,
        csvHref: withQuery(`${AUDIT_PATH}.csv`, params),
        xlsxHref: withQuery(`${AUDIT_PATH}.xlsx`, params),
      },
    };
  }

  return {
    async list(req: Request, res: Response): Promise<void> {
      const user = userOf(req);
      const { params, common: basics } = pageBasics(req);
      const common = { ...basics, programmeScope: !can(user, 'audit.view') };
      const parsed = parseForm(auditFilterSchema, req.query);
      if (!parsed.ok) {
        res.status(422).renderPage('audit/log', { ...common, errors: parsed.errors, errorParams: parsed.errorParams, lines: null });
        return;
      }
      const result = await auditLog.page(user, parsed.data);
      if (!result.ok) {
        res.status(422).renderPage('audit/log', { ...common, errors: result.errors, lines: null });
        return;
      }
      const { page } = result;
      const query = (cursor: Record<string, string>) => withQuery(AUDIT_PATH, { ...params, ...cursor });
      res.renderPage('audit/log', {
        ...common,
        errors: {},
        lines: auditLines(page.rows, page.actors, req.t, req.locale as Locale),
        olderHref: page.olderThan !== null ? query({ before: String(page.olderThan) }) : null,
        newerHref: page.newerThan === null ? null : page.newerThan === 0 ? query({}) : query({ after: String(page.newerThan) }),
      });
    },

    /** GET /audit.csv, /audit.xlsx: every entry of the filter (no cursors), streamed batch by batch. */
    async download(req: Request, res: Response): Promise<void> {
      const user = userOf(req);
      const { common } = pageBasics(req);
      const parsed = parseForm(auditFilterSchema, req.query);
      if (!parsed.ok) {
        res.status(422).renderPage('audit/log', { ...common, errors: parsed.errors, errorParams: parsed.errorParams, lines: null });
        return;
      }
      const result = await auditLog.export(user, { ...parsed.data, before: null, after: null });
      if (!result.ok) {
        res.status(422).renderPage('audit/log', { ...common, errors: result.errors, lines: null });
        return;
      }
      const csv = req.path.endsWith('.csv');
      res.setHeader('Content-Disposition', contentDisposition('attachment', `${req.t('audit.export.fileName')}.${csv ? 'csv' : 'xlsx'}`));
      const locale = req.locale as Locale;
      if (csv) {
        res.type('text/csv; charset=utf-8');
        await writeAuditCsv(result.batches, result.truncated, AUDIT_EXPORT_MAX_ROWS, req.t, locale, res);
      } else {
        res.type(XLSX_TYPE);
        await writeAuditXlsx(result.batches, result.truncated, AUDIT_EXPORT_MAX_ROWS, req.t, locale, res);
      }
      res.end();
    },

    /** GET /admin/audit: the page's first address, kept working (bookmarks, links in mails). */
    moved(req: Request, res: Response): void {
      const search = req.originalUrl.indexOf('?');
      res.redirect(301, `${AUDIT_PATH}${search >= 0 ? req.originalUrl.slice(search) : ''}`);
    },
  };
}
