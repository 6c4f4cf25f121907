import type { Request, Response } from 'express';
import { userOf } from '../http/request';
import { keptInput, parseForm } from '../http/validate';
import { PEOPLE_STATUSES, peopleFilterSchema, type PeopleView } from './people.service';

/** GET /reports/people: one row per person across all programmes, searched and filtered by a GET form. */
export function createPeopleHandlers(people: PeopleView) {
  return {
    async list(req: Request, res: Response): Promise<void> {
      const user = userOf(req);
      const result = parseForm(peopleFilterSchema, req.query);
      const organisations = await people.organisations(user);
      const organisationOptions = organisations.map((row) => ({ value: String(row.organisation_id), label: row.organisation_name }));
      const statusOptions = PEOPLE_STATUSES.map((status) => ({ value: status, label: req.t(`reports.people.statuses.${status}`) }));
      const title = req.t('reports.people.title');
      if (!result.ok) {
        res.status(422).renderPage('reports/people', { title, errors: result.errors, values: keptInput(req.query), organisationOptions, statusOptions, page: null, params: {} });
        return;
      }
      const filter = result.data;
      const page = await people.page(user, filter);
      const params = { q: filter.q ?? '', organisation: filter.organisation ? String(filter.organisation) : '', status: filter.status ?? '' };
      res.renderPage('reports/people', { title, errors: {}, values: params, organisationOptions, statusOptions, page, params });
    },
  };
}
