import type { Request, Response } from 'express';
import { userOf } from '../http/request';
import { keptInput, parseForm } from '../http/validate';
import type { Locale } from '../shared/format';
import { auditFilterSchema, KNOWN_ACTIONS, SUBJECT_TYPES } from './audit.schemas';
import type { AuditLog } from './audit.service';
import { actionLabel, auditLines } from './audit.view';

const FILTER_FIELDS = ['action', 'actor', 'subjectType', 'subjectId', 'from', 'to'] as const;

/** GET /admin/audit: the trail, filtered by a GET form, a page of 50 at a time by keyset. */
export function createAuditHandlers(auditLog: AuditLog) {
  return {
    async list(req: Request, res: Response): Promise<void> {
      const user = userOf(req);
      const values = keptInput(req.query);
      // The filter as typed, kept in the form and in the paging links (never the cursors).
      const params = Object.fromEntries(FILTER_FIELDS.map((field) => [field, (values[field] ?? '').trim()]));
      const actions: { value: string; label: string }[] = KNOWN_ACTIONS.map((action) => ({ value: action, label: actionLabel(action, req.t) }));
      // An action that is not in the list (a link, a newer action) still shows as chosen.
      if (params.action && !actions.some((option) => option.value === params.action)) actions.push({ value: params.action, label: actionLabel(params.action, req.t) });
      actions.sort((a, b) => a.label.localeCompare(b.label, 'de'));
      const subjectTypes = SUBJECT_TYPES.map((type) => ({ value: type, label: req.t(`audit.subjects.${type}`) }));
      const common = { title: req.t('audit.title'), values: params, params, actionOptions: actions, subjectTypeOptions: subjectTypes };

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
      const query = (cursor: Record<string, string>) => {
        const search = new URLSearchParams();
        for (const [key, value] of Object.entries({ ...params, ...cursor })) if (value) search.set(key, value);
        const text = search.toString();
        return `/admin/audit${text ? `?${text}` : ''}`;
      };
      res.renderPage('audit/log', {
        ...common,
        errors: {},
        lines: auditLines(page.rows, page.actors, req.t, req.locale as Locale),
        olderHref: page.olderThan !== null ? query({ before: String(page.olderThan) }) : null,
        newerHref: page.newerThan === null ? null : page.newerThan === 0 ? query({}) : query({ after: String(page.newerThan) }),
      });
    },
  };
}
