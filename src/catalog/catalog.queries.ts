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

export type CatalogFilter = { kind?: ProgrammeKind; month?: string; now: Date };

/** Published offerings that have not ended yet, soonest first. */
export async function selectUpcomingPublishedOfferings(db: Db, filter: CatalogFilter): Promise<OfferingSummaryRow[]> {
  const query = offeringSummaries(db)
    .where('offerings.status', 'published')
    .where((where) => where.where('bounds.last_session_ends_at', '>=', filter.now).orWhereNull('bounds.last_session_ends_at'))
    .orderByRaw('bounds.first_session_at ASC NULLS LAST, offerings.id');
  if (filter.kind) query.where('programmes.kind', filter.kind);
  if (filter.month) {
    // Offerings with a session in that Berlin calendar month.
    query.whereExists(
      db('offering_sessions')
        .select(db.raw('1'))
        .whereRaw('offering_sessions.offering_id = offerings.id')
        .whereRaw("to_char(offering_sessions.starts_at AT TIME ZONE 'Europe/Berlin', 'YYYY-MM') = ?", [filter.month]),
    );
  }
  return query;
}

export async function selectOfferingSummary(db: Db, offeringId: number): Promise<OfferingSummaryRow | undefined> {
  return offeringSummaries(db).where('offerings.id', offeringId).first();
}

export type ProgrammeRow = { id: number; kind: ProgrammeKind; title: string; description: string; target_group: string; certificate_kind: string };

export async function selectProgramme(db: Db, programmeId: number): Promise<ProgrammeRow | undefined> {
  return db('programmes').select('id', 'kind', 'title', 'description', 'target_group', 'certificate_kind').where('id', programmeId).first();
}

export type SessionRow = {
  id: number;
  offering_id: number;
  starts_at: Date;
  ends_at: Date;
  location: string;
  online_url: string | null;
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
      'offering_sessions.module_id',
      'modules.position as module_position',
      'modules.title as module_title',
      db.raw(
        "coalesce(array_agg(users.first_name || ' ' || users.last_name ORDER BY users.last_name) FILTER (WHERE users.id IS NOT NULL), '{}') as trainer_names",
      ),
    )
    .orderBy([{ column: 'offering_sessions.starts_at' }, { column: 'offering_sessions.id' }]);
}

export async function selectOtherOfferingsOfProgramme(db: Db, programmeId: number, exceptOfferingId: number): Promise<{ id: number; title: string; status: OfferingStatus }[]> {
  return db('offerings').select('id', 'title', 'status').where('programme_id', programmeId).whereNot('id', exceptOfferingId).whereNot('status', 'cancelled').orderBy('id');
}
