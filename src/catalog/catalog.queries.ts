import type { Knex } from 'knex';

import type { OfferingStatus, ProgrammeKind } from './catalog.model';

type Db = Knex | Knex.Transaction;

export type { OfferingStatus, ProgrammeKind };

export type OfferingSummaryRow = {
  id: number;
  title: string;
  description: string;
  status: OfferingStatus;
  capacity: number;
  location: string;
  registration_opens_at: Date;
  registration_closes_at: Date;
  cancellation_deadline: Date | null;
  requires_approval: boolean;
  programme_id: number;
  programme_title: string;
  programme_kind: ProgrammeKind;
  first_session_at: Date | null;
  last_session_ends_at: Date | null;
  session_count: number;
};

/** Per offering: first session start, last session end, number of sessions (a subquery aliased `bounds`). */
export const sessionBounds = (db: Db) =>
  db('offering_sessions')
    .select('offering_id')
    .min({ first_session_at: 'starts_at' })
    .max({ last_session_ends_at: 'ends_at' })
    .count({ session_count: '*' })
    .groupBy('offering_id')
    .as('bounds');

function offeringSummaries(db: Db) {
  return db('offerings')
    .join('programmes', 'programmes.id', 'offerings.programme_id')
    .leftJoin(sessionBounds(db), 'bounds.offering_id', 'offerings.id')
    .select(
      'offerings.id',
      'offerings.title',
      'offerings.description',
      'offerings.status',
      'offerings.capacity',
      'offerings.location',
      'offerings.registration_opens_at',
      'offerings.registration_closes_at',
      'offerings.cancellation_deadline',
      'offerings.requires_approval',
      'offerings.programme_id',
      'programmes.title as programme_title',
      'programmes.kind as programme_kind',
      'bounds.first_session_at',
      'bounds.last_session_ends_at',
      db.raw('coalesce(bounds.session_count, 0)::int as session_count'),
    );
}

export type CatalogFilter = { kind?: ProgrammeKind; programmeId?: number; month?: string; freeOnly: boolean; now: Date; limit: number; offset: number };

/** A card of the public catalog: what a participant decides by, nothing more. */
export type CatalogCardRow = {
  id: number;
  title: string;
  status: OfferingStatus;
  capacity: number;
  location: string;
  registration_opens_at: Date;
  registration_closes_at: Date;
  cancellation_deadline: Date | null;
  programme_title: string;
  programme_kind: ProgrammeKind;
  first_session_at: Date;
  last_session_ends_at: Date;
  session_count: number;
  confirmed: number;
  /** Offerings matching the filter on all pages. */
  total: number;
};

/**
 * Offerings that have not ended yet, found through the sessions ending from now on
 * (index offering_sessions_ends_at_offering): the work grows with what lies ahead, not
 * with the district's history.
 */
const notEndedOfferingIds = (db: Db, now: Date) => db('offering_sessions').distinct('offering_id').where('ends_at', '>=', now);

/**
 * One page of published offerings that have not ended, soonest first, with their confirmed
 * seats (the enrollment domain's `confirmed_seats` view) and the total in the same statement.
 * The offerings not ended yet are gathered first (materialized, so the planner cannot start
 * from the whole history) with their dates, by the index on offering_id; the filters then
 * pick among those few, and the seats are counted for the page's offerings.
 */
export async function selectCatalogPage(db: Db, filter: CatalogFilter): Promise<CatalogCardRow[]> {
  const open = db
    .from(notEndedOfferingIds(db, filter.now).as('open_ids'))
    .join('offerings', 'offerings.id', 'open_ids.offering_id')
    .joinRaw(
      `CROSS JOIN LATERAL (SELECT min(starts_at) AS first_session_at, max(ends_at) AS last_session_ends_at, count(*)::int AS session_count
         FROM offering_sessions WHERE offering_sessions.offering_id = open_ids.offering_id) AS bounds`,
    )
    .where('offerings.status', 'published')
    .select(
      'offerings.id',
      'offerings.programme_id',
      'offerings.title',
      'offerings.status',
      'offerings.capacity',
      'offerings.location',
      'offerings.registration_opens_at',
      'offerings.registration_closes_at',
      'offerings.cancellation_deadline',
      'bounds.first_session_at',
      'bounds.last_session_ends_at',
      'bounds.session_count',
    );
  const confirmedOf = (alias: string) => `(SELECT count(*) FROM confirmed_seats WHERE confirmed_seats.offering_id = ${alias}.id)`;
  const page = db
    .withMaterialized('open', open)
    .from('open')
    .join('programmes', 'programmes.id', 'open.programme_id')
    .select(
      'open.id',
      'open.title',
      'open.status',
      'open.capacity',
      'open.location',
      'open.registration_opens_at',
      'open.registration_closes_at',
      'open.cancellation_deadline',
      'programmes.title as programme_title',
      'programmes.kind as programme_kind',
      'open.first_session_at',
      'open.last_session_ends_at',
      'open.session_count',
      db.raw('count(*) OVER ()::int AS total'),
    )
    .orderBy([{ column: 'open.first_session_at' }, { column: 'open.id' }])
    .limit(filter.limit)
    .offset(filter.offset);
  if (filter.kind) page.where('programmes.kind', filter.kind);
  if (filter.programmeId) page.where('open.programme_id', filter.programmeId);
  if (filter.freeOnly) page.whereRaw(`${confirmedOf('open')} < open.capacity`);
  if (filter.month) {
    // A session in that calendar month as it is in Berlin: a range on starts_at, so the index answers it.
    page.whereExists(
      db('offering_sessions')
        .select(db.raw('1'))
        .whereRaw('offering_sessions.offering_id = open.id')
        .whereRaw("offering_sessions.starts_at >= (CAST(? AS timestamp) AT TIME ZONE 'Europe/Berlin')", [`${filter.month}-01`])
        .whereRaw("offering_sessions.starts_at < ((CAST(? AS timestamp) + interval '1 month') AT TIME ZONE 'Europe/Berlin')", [`${filter.month}-01`]),
    );
  }
  // Seats are counted for the page's offerings only (and, to filter, for those that could be free).
  return db
    .from(page.as('page'))
    .select('page.*', db.raw(`${confirmedOf('page')}::int AS confirmed`))
    .orderBy([{ column: 'page.first_session_at' }, { column: 'page.id' }]);
}

export type CatalogProgrammeRow = { id: number; title: string; kind: ProgrammeKind; offering_count: number };

/** Programmes with published offerings that have not ended (and the chosen one), for the catalog's filter. */
export async function selectCatalogProgrammes(db: Db, now: Date, chosenId?: number): Promise<CatalogProgrammeRow[]> {
  const open = db('offerings').select('id', 'programme_id').where('status', 'published').whereIn('id', notEndedOfferingIds(db, now));
  return db
    .with('open', open)
    .from('programmes')
    .leftJoin('open', 'open.programme_id', 'programmes.id')
    .select('programmes.id', 'programmes.title', 'programmes.kind', db.raw('count(open.id)::int AS offering_count'))
    .where((where) => where.whereNotNull('open.id').orWhere('programmes.id', chosenId ?? 0))
    .groupBy('programmes.id')
    .orderByRaw('programmes.title COLLATE german, programmes.id');
}

export async function selectOfferingSummary(db: Db, offeringId: number): Promise<OfferingSummaryRow | undefined> {
  return offeringSummaries(db).where('offerings.id', offeringId).first();
}

export type OfferingDetailRow = OfferingSummaryRow & {
  programme_description: string;
  programme_target_group: string;
  confirmed: number;
  waitlisted: number;
};

/**
 * The catalog page of one offering in one statement: the summary, what the page shows of
 * its programme, and its seats (the enrollment domain's `confirmed_seats` and
 * `waitlist_positions` views).
 */
export async function selectOfferingDetail(db: Db, offeringId: number): Promise<OfferingDetailRow | undefined> {
  return offeringSummaries(db)
    .select(
      'programmes.description as programme_description',
      'programmes.target_group as programme_target_group',
      db.raw('(SELECT count(*) FROM confirmed_seats WHERE confirmed_seats.offering_id = offerings.id)::int AS confirmed'),
      db.raw('(SELECT count(*) FROM waitlist_positions WHERE waitlist_positions.offering_id = offerings.id)::int AS waitlisted'),
    )
    .where('offerings.id', offeringId)
    .first();
}

export type SessionRow = {
  id: number;
  offering_id: number;
  starts_at: Date;
  ends_at: Date;
  location: string;
  online_url: string | null;
  /** Counts changes of time, place and link: the SEQUENCE of the session's calendar entries. */
  calendar_sequence: number;
  module_id: number | null;
  module_position: number | null;
  module_title: string | null;
  trainer_names: string[];
};

/** Sessions of several offerings with module and trainer names, in one query. */
export async function selectSessionsOfOfferings(db: Db, offeringIds: number[]): Promise<SessionRow[]> {
  if (offeringIds.length === 0) return [];
  return db('offering_sessions')
    .leftJoin('modules', 'modules.id', 'offering_sessions.module_id')
    .leftJoin('session_trainers', 'session_trainers.session_id', 'offering_sessions.id')
    .leftJoin('users', 'users.id', 'session_trainers.user_id')
    .whereIn('offering_sessions.offering_id', offeringIds)
    .groupBy('offering_sessions.id', 'modules.id')
    .select(
      'offering_sessions.id',
      'offering_sessions.offering_id',
      'offering_sessions.starts_at',
      'offering_sessions.ends_at',
      'offering_sessions.location',
      'offering_sessions.online_url',
      'offering_sessions.calendar_sequence',
      'offering_sessions.module_id',
      'modules.position as module_position',
      'modules.title as module_title',
      db.raw(
        "coalesce(array_agg(users.first_name || ' ' || users.last_name ORDER BY users.last_name COLLATE german, users.first_name COLLATE german, users.id) FILTER (WHERE users.id IS NOT NULL), '{}') as trainer_names",
      ),
    )
    .orderBy([{ column: 'offering_sessions.starts_at' }, { column: 'offering_sessions.id' }]);
}

export async function selectOtherOfferingsOfProgramme(db: Db, programmeId: number, exceptOfferingId: number): Promise<{ id: number; title: string; status: OfferingStatus }[]> {
  return db('offerings').select('id', 'title', 'status').where('programme_id', programmeId).whereNot('id', exceptOfferingId).whereNot('status', 'cancelled').orderBy('id');
}
