import { z } from 'zod';
import { assertCan, can } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { ATTENDED_STATUSES } from '../attendance/attendance-rules';
import type { Database } from '../db/database';
import { pageNumber, pageOf, pageWindow, type Page } from '../shared/paging';
import * as queries from './people.queries';

export const PEOPLE_PAGE_SIZE = 50;
export const PEOPLE_STATUSES = ['certified', 'uncertified', 'waitlisted'] as const satisfies readonly queries.PeopleStatus[];

const optionalText = z
  .unknown()
  .optional()
  .transform((value) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined));

/** The person view's GET filter: name or e-mail, organisation, status, page. */
export const peopleFilterSchema = z.object({
  q: optionalText.refine((value) => value === undefined || value.length <= 100, 'reports.people.errors.searchTooLong').transform((value) => value ?? null),
  organisation: optionalText.refine((value) => value === undefined || /^[1-9]\d{0,8}$/.test(value), 'reports.people.errors.organisationInvalid').transform((value) => (value ? Number(value) : null)),
  status: optionalText
    .refine((value) => value === undefined || (PEOPLE_STATUSES as readonly string[]).includes(value), 'reports.people.errors.statusInvalid')
    .transform((value) => (value ?? null) as queries.PeopleStatus | null),
  page: z.unknown().optional().transform((value) => pageNumber(value)),
});

export type PeopleFilter = z.output<typeof peopleFilterSchema>;

export type PersonSummary = {
  userId: number;
  firstName: string;
  lastName: string;
  email: string;
  organisation: string | null;
  enrollments: { confirmed: number; waitlisted: number; cancelled: number; rejected: number };
  marks: number;
  attendedMarks: number;
  certificates: number;
  /** Only admins manage accounts: for them the name links to the account. */
  accountHref: string | null;
  /** Where the viewer corrects this person's data, when they may (permission people.correct). */
  correctHref: string | null;
};

/** One row per person across all programmes: three statements a page (session included). */
export function createPeopleView(db: Database, now: () => Date = () => new Date()) {
  return {
    async organisations(user: SessionUser) {
      assertCan(user, 'reports.view');
      return queries.selectPeopleOrganisations(db);
    },

    async page(user: SessionUser, filter: PeopleFilter): Promise<Page<PersonSummary>> {
      assertCan(user, 'reports.view');
      const query = { search: filter.q, organisationId: filter.organisation, status: filter.status };
      let window = pageWindow(filter.page, PEOPLE_PAGE_SIZE);
      let rows = await queries.selectPeoplePage(db, { ...query, limit: window.limit, offset: window.offset }, ATTENDED_STATUSES, now());
      if (rows.length === 0 && window.page > 1) {
        // A page past the end (the list shrank, the URL was edited) shows the last one.
        const total = await queries.countPeople(db, query);
        window = pageWindow(Math.max(1, Math.ceil(total / PEOPLE_PAGE_SIZE)), PEOPLE_PAGE_SIZE);
        rows = total === 0 ? [] : await queries.selectPeoplePage(db, { ...query, limit: window.limit, offset: window.offset }, ATTENDED_STATUSES, now());
      }
      const admin = can(user, 'accounts.administer');
      const mayCorrect = can(user, 'people.correct');
      const summaries = rows.map((row) => ({
        userId: row.user_id,
        firstName: row.first_name,
        lastName: row.last_name,
        email: row.email,
        organisation: row.organisation_name,
        enrollments: { confirmed: row.enrollments?.confirmed ?? 0, waitlisted: row.enrollments?.waitlisted ?? 0, cancelled: row.enrollments?.cancelled ?? 0, rejected: row.enrollments?.rejected ?? 0 },
        marks: row.marks,
        attendedMarks: row.attended_marks,
        certificates: row.certificates,
        accountHref: admin ? `/admin/users/${row.user_id}` : null,
        correctHref: mayCorrect ? `/admin/users/${row.user_id}/edit` : null,
      }));
      return pageOf(summaries, rows[0]?.total ?? 0, window);
    },
  };
}

export type PeopleView = ReturnType<typeof createPeopleView>;
