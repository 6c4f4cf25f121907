import type { Knex } from 'knex';
import type { AttendanceStatus } from '../attendance/attendance-rules';

type Db = Knex | Knex.Transaction;

/*
 * The cross-offering person view reads published read models only: accounts'
 * `accounts_directory` and `accounts_people`, enrollment's `enrollment_statuses`,
 * `confirmed_seats` and `waitlist_positions`, attendance's `attendance_marks`, the
 * catalog's `catalog_session_schedule` and the certificates' `certificates_issued`.
 */

const textArray = (values: readonly string[]) => `{${values.map((value) => `"${value.replace(/["\\]/g, '')}"`).join(',')}}`;

export type PeopleStatus = 'certified' | 'uncertified' | 'waitlisted';
export type PeopleQuery = { search: string | null; organisationId: number | null; status: PeopleStatus | null; limit: number; offset: number };

export type PersonRow = {
  user_id: number;
  first_name: string;
  last_name: string;
  email: string;
  organisation_name: string | null;
  total: number;
  enrollments: Partial<Record<'confirmed' | 'waitlisted' | 'cancelled' | 'rejected', number>> | null;
  marks: number;
  attended_marks: number;
  certificates: number;
};

/** "50 %" typed by a person is searched for literally, not as a pattern. */
function containsPattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/**
 * Who is listed: participants, and anyone else who ever enrolled. The name and e-mail
 * search runs on the expression the trigram index covers; the order follows the German
 * name-order index.
 */
const PEOPLE = `SELECT d.user_id, d.first_name, d.last_name, d.email, d.organisation_name
    FROM accounts_directory d
   WHERE (d.role = 'participant' OR EXISTS (SELECT 1 FROM enrollment_statuses e WHERE e.user_id = d.user_id))
     AND (:pattern::text IS NULL OR d.search_text ILIKE :pattern::text)
     AND (:organisationId::int IS NULL OR d.organisation_id = :organisationId::int)
     AND (:status::text IS NULL
          OR (:status::text = 'certified' AND EXISTS (SELECT 1 FROM certificates_issued c WHERE c.user_id = d.user_id))
          OR (:status::text = 'uncertified' AND NOT EXISTS (SELECT 1 FROM certificates_issued c WHERE c.user_id = d.user_id))
          OR (:status::text = 'waitlisted' AND EXISTS (SELECT 1 FROM waitlist_positions w WHERE w.user_id = d.user_id)))`;

/**
 * One page of people with the number of all matching people and, per person, enrollments
 * per status, attendance (as on the start page: marks of sessions begun by `moment` in
 * offerings where the person holds a confirmed seat) and valid certificates. One statement.
 */
export async function selectPeoplePage(db: Db, query: PeopleQuery, attended: readonly AttendanceStatus[], moment: Date): Promise<PersonRow[]> {
  const { rows } = await db.raw<{ rows: PersonRow[] }>(
    `WITH people AS (${PEOPLE}),
          page AS (SELECT * FROM people ORDER BY last_name COLLATE german, first_name COLLATE german, user_id LIMIT :limit OFFSET :offset),
          marks AS (SELECT a.user_id, a.status
                      FROM attendance_marks a
                      JOIN catalog_session_schedule s ON s.session_id = a.session_id
                      JOIN confirmed_seats c ON c.offering_id = s.offering_id AND c.user_id = a.user_id
                     WHERE a.user_id IN (SELECT user_id FROM page) AND s.starts_at <= :moment)
     SELECT page.user_id, page.first_name, page.last_name, page.email, page.organisation_name,
            (SELECT count(*) FROM people)::int AS total,
            (SELECT json_object_agg(x.status, x.n) FROM (SELECT e.status, count(*)::int AS n FROM enrollment_statuses e WHERE e.user_id = page.user_id GROUP BY e.status) x) AS enrollments,
            (SELECT count(*) FROM marks m WHERE m.user_id = page.user_id)::int AS marks,
            (SELECT count(*) FROM marks m WHERE m.user_id = page.user_id AND m.status = ANY(:attended::text[]))::int AS attended_marks,
            (SELECT count(*) FROM certificates_issued c WHERE c.user_id = page.user_id)::int AS certificates
       FROM page
      ORDER BY page.last_name COLLATE german, page.first_name COLLATE german, page.user_id`,
    {
      pattern: query.search ? containsPattern(query.search) : null,
      organisationId: query.organisationId,
      status: query.status,
      limit: query.limit,
      offset: query.offset,
      moment,
      attended: textArray(attended),
    },
  );
  return rows;
}

/** How many people match (only asked when a page past the end came back empty). */
export async function countPeople(db: Db, query: Omit<PeopleQuery, 'limit' | 'offset'>): Promise<number> {
  const { rows } = await db.raw<{ rows: { total: number }[] }>(`SELECT count(*)::int AS total FROM (${PEOPLE}) people`, {
    pattern: query.search ? containsPattern(query.search) : null,
    organisationId: query.organisationId,
    status: query.status,
  });
  return rows[0]?.total ?? 0;
}

export type OrganisationOption = { organisation_id: number; organisation_name: string };

/** The organisations people belong to, for the filter, in German order. */
export async function selectPeopleOrganisations(db: Db): Promise<OrganisationOption[]> {
  const { rows } = await db.raw<{ rows: OrganisationOption[] }>(
    `SELECT organisation_id, organisation_name FROM accounts_people WHERE organisation_id IS NOT NULL
      GROUP BY organisation_id, organisation_name
      ORDER BY organisation_name COLLATE german, organisation_id`,
  );
  return rows;
}
