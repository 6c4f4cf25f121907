import type { Knex } from 'knex';
import type { OfferingPeriod, OfferingStatus, OfferingStatusChoice } from './catalog.model';

type Db = Knex | Knex.Transaction;

export type WorkingListFilter = {
  programmeId?: number;
  period: OfferingPeriod;
  status: OfferingStatusChoice;
  search?: string;
  now: Date;
  limit: number;
  offset: number;
};

export type WorkingListRow = {
  id: number;
  title: string;
  status: OfferingStatus;
  capacity: number;
  location: string;
  registration_closes_at: Date;
  programme_title: string;
  first_session_at: Date | null;
  last_session_ends_at: Date | null;
  session_count: number;
  confirmed: number;
  waitlisted: number;
  total: number;
};

/*
 * Ongoing and coming offerings soonest first (undated ones after them: they still need
 * dates); over ones after those, the most recent first.
 */
const WORKING_ORDER = `coalesce(bounds.last_session_ends_at < :now, false) ASC,
  CASE WHEN bounds.last_session_ends_at IS NULL OR bounds.last_session_ends_at >= :now THEN bounds.first_session_at END ASC NULLS LAST,
  bounds.first_session_at DESC, offerings.id DESC`;

function periodCondition(period: OfferingPeriod): string | undefined {
  switch (period) {
    case 'current':
      return 'bounds.last_session_ends_at IS NULL OR bounds.last_session_ends_at >= :now';
    case 'upcoming':
      return 'bounds.first_session_at IS NULL OR bounds.first_session_at > :now';
    case 'running':
      return 'bounds.first_session_at <= :now AND bounds.last_session_ends_at >= :now';
    case 'past':
      return 'bounds.last_session_ends_at < :now';
    case 'all':
      return undefined;
  }
}

/**
 * One page of the coordinators' working list in one statement: the offerings matching the
 * filter with their session dates (a lateral look-up per offering, by the index on
 * offering_id), the total, and, for the page's offerings only, the confirmed seats and the
 * waitlist (the enrollment domain's views).
 */
export async function selectWorkingListPage(db: Db, filter: WorkingListFilter): Promise<WorkingListRow[]> {
  const named = { now: filter.now };
  const matching = db('offerings')
    .join('programmes', 'programmes.id', 'offerings.programme_id')
    .joinRaw(
      `CROSS JOIN LATERAL (SELECT min(starts_at) AS first_session_at, max(ends_at) AS last_session_ends_at, count(*)::int AS session_count
         FROM offering_sessions WHERE offering_sessions.offering_id = offerings.id) AS bounds`,
    )
    .select(
      'offerings.id',
      'offerings.title',
      'offerings.status',
      'offerings.capacity',
      'offerings.location',
      'offerings.registration_closes_at',
      'programmes.title as programme_title',
      'bounds.first_session_at',
      'bounds.last_session_ends_at',
      'bounds.session_count',
      db.raw('count(*) OVER ()::int AS total'),
      db.raw(`row_number() OVER (ORDER BY ${WORKING_ORDER}) AS position`, named),
    )
    .orderBy('position')
    .limit(filter.limit)
    .offset(filter.offset);
  if (filter.programmeId) matching.where('offerings.programme_id', filter.programmeId);
  if (filter.status === 'active') matching.whereNot('offerings.status', 'cancelled');
  else if (filter.status !== 'any') matching.where('offerings.status', filter.status);
  const period = periodCondition(filter.period);
  if (period) matching.whereRaw(`(${period})`, named);
  if (filter.search) {
    const pattern = `%${filter.search.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
    matching.where((where) => where.whereILike('offerings.title', pattern).orWhereILike('offerings.location', pattern));
  }
  return db
    .from(matching.as('page'))
    .select(
      'page.*',
      db.raw('(SELECT count(*) FROM confirmed_seats WHERE confirmed_seats.offering_id = page.id)::int AS confirmed'),
      db.raw('(SELECT count(*) FROM waitlist_positions WHERE waitlist_positions.offering_id = page.id)::int AS waitlisted'),
    )
    .orderBy('page.position');
}
