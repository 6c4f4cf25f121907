import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

// ----- sessions -----

export type SessionRow = {
  id: number;
  offering_id: number;
  module_id: number | null;
  starts_at: Date;
  ends_at: Date;
  location: string;
  online_url: string | null;
  /** The session's own teaching units; null: its module's count (view `catalog_session_schedule`). */
  teaching_units: number | null;
};

export type SessionChanges = Omit<SessionRow, 'id' | 'offering_id'>;

export type SessionListRow = SessionRow & { module_title: string | null; module_position: number | null };

export type SessionTrainerRow = { session_id: number; user_id: number; first_name: string; last_name: string };

const sessionColumns = [
  'offering_sessions.id',
  'offering_sessions.offering_id',
  'offering_sessions.module_id',
  'offering_sessions.starts_at',
  'offering_sessions.ends_at',
  'offering_sessions.location',
  'offering_sessions.online_url',
  'offering_sessions.teaching_units',
];

export async function selectSessions(db: Db, offeringId: number): Promise<SessionListRow[]> {
  return db('offering_sessions')
    .leftJoin('modules', 'modules.id', 'offering_sessions.module_id')
    .select(sessionColumns)
    .select('modules.title as module_title', 'modules.position as module_position')
    .where('offering_sessions.offering_id', offeringId)
    .orderBy([{ column: 'offering_sessions.starts_at' }, { column: 'offering_sessions.id' }]);
}

export async function findSession(db: Db, offeringId: number, sessionId: number): Promise<SessionRow | undefined> {
  return db('offering_sessions').select(sessionColumns).where({ 'offering_sessions.offering_id': offeringId, 'offering_sessions.id': sessionId }).first();
}

export async function selectTrainersOfSessions(db: Db, sessionIds: number[]): Promise<SessionTrainerRow[]> {
  if (sessionIds.length === 0) return [];
  return db('session_trainers')
    .join('users', 'users.id', 'session_trainers.user_id')
    .select('session_trainers.session_id', 'session_trainers.user_id', 'users.first_name', 'users.last_name')
    .whereIn('session_trainers.session_id', sessionIds)
    .orderByRaw('users.last_name COLLATE german, users.first_name COLLATE german, users.id');
}

/** When the earliest session starts, optionally leaving one session out (the one being edited or deleted). */
export async function firstSessionStart(db: Db, offeringId: number, exceptSessionId?: number): Promise<Date | null> {
  const query = db('offering_sessions').min<{ first: Date | null }[]>({ first: 'starts_at' }).where('offering_id', offeringId);
  if (exceptSessionId) query.whereNot('id', exceptSessionId);
  const row = await query.first();
  return row?.first ?? null;
}

export async function countSessions(db: Db, offeringId: number): Promise<number> {
  const row = await db('offering_sessions').count<{ count: number }[]>({ count: '*' }).where('offering_id', offeringId).first();
  return row?.count ?? 0;
}

export async function insertSession(db: Db, offeringId: number, session: SessionChanges): Promise<number> {
  const [row] = await db('offering_sessions')
    .insert({ offering_id: offeringId, ...session })
    .returning('id');
  return (row as { id: number }).id;
}

export async function updateSession(db: Db, sessionId: number, changes: SessionChanges): Promise<void> {
  await db('offering_sessions')
    .where('id', sessionId)
    .update({ ...changes, updated_at: db.fn.now() });
}

/** How many hold a confirmed seat (enrollment's published `confirmed_seats`): who hears of a change. */
export async function countConfirmedSeats(db: Db, offeringId: number): Promise<number> {
  const row = await db('confirmed_seats').count<{ count: number }[]>({ count: '*' }).where('offering_id', offeringId).first();
  return Number(row?.count ?? 0);
}

/** Calendar programs replace an entry only for a higher SEQUENCE: raised with each change they must show. */
export async function raiseCalendarSequences(trx: Knex.Transaction, sessionIds: number[]): Promise<void> {
  if (sessionIds.length === 0) return;
  await trx('offering_sessions').whereIn('id', sessionIds).increment('calendar_sequence', 1);
}

/** Every session of an offering: raised together when the offering is cancelled. */
export async function raiseCalendarSequencesOfOffering(trx: Knex.Transaction, offeringId: number): Promise<void> {
  await trx('offering_sessions').where('offering_id', offeringId).increment('calendar_sequence', 1);
}

/** Sessions without a place of their own: they take the offering's, and move with it. */
export async function selectSessionsWithoutOwnLocation(db: Db, offeringId: number): Promise<Pick<SessionRow, 'id' | 'starts_at' | 'ends_at' | 'online_url'>[]> {
  return db('offering_sessions').select('id', 'starts_at', 'ends_at', 'online_url').where({ offering_id: offeringId, location: '' }).orderBy('id');
}

export async function deleteSession(db: Db, sessionId: number): Promise<void> {
  await db('offering_sessions').where('id', sessionId).delete();
}

export async function selectTrainerIdsOfSession(db: Db, sessionId: number): Promise<number[]> {
  const rows: { user_id: number }[] = await db('session_trainers').select('user_id').where('session_id', sessionId).orderBy('user_id');
  return rows.map((row) => row.user_id);
}

export async function replaceSessionTrainers(trx: Knex.Transaction, sessionId: number, trainerIds: number[]): Promise<void> {
  await trx('session_trainers').where('session_id', sessionId).delete();
  if (trainerIds.length > 0) await trx('session_trainers').insert(trainerIds.map((userId) => ({ session_id: sessionId, user_id: userId })));
}

// ----- trainers -----

export type TrainerRow = { id: number; first_name: string; last_name: string; email: string };

/** People who can be booked for a session: active accounts with the trainer role. */
export async function selectTrainers(db: Db): Promise<TrainerRow[]> {
  return db('users')
    .select('id', 'first_name', 'last_name', 'email')
    .where({ role: 'trainer', active: true })
    // German order: "Öztürk" among the O's, not after "Zander".
    .orderByRaw('last_name COLLATE german, first_name COLLATE german, id');
}

export type TrainerBookingRow = {
  trainer_id: number;
  first_name: string;
  last_name: string;
  session_id: number;
  offering_id: number;
  offering_title: string;
  programme_title: string;
  module_title: string | null;
  starts_at: Date;
  ends_at: Date;
};

/**
 * Other sessions (of offerings that are not cancelled) in which any of these trainers is
 * booked and whose time overlaps [startsAt, endsAt).
 */
export async function selectOverlappingTrainerBookings(
  db: Db,
  trainerIds: number[],
  startsAt: Date,
  endsAt: Date,
  exceptSessionId: number,
): Promise<TrainerBookingRow[]> {
  if (trainerIds.length === 0) return [];
  return db('session_trainers')
    .join('offering_sessions', 'offering_sessions.id', 'session_trainers.session_id')
    .join('offerings', 'offerings.id', 'offering_sessions.offering_id')
    .join('programmes', 'programmes.id', 'offerings.programme_id')
    .join('users', 'users.id', 'session_trainers.user_id')
    .leftJoin('modules', 'modules.id', 'offering_sessions.module_id')
    .select(
      'session_trainers.user_id as trainer_id',
      'users.first_name',
      'users.last_name',
      'offering_sessions.id as session_id',
      'offerings.id as offering_id',
      'offerings.title as offering_title',
      'programmes.title as programme_title',
      'modules.title as module_title',
      'offering_sessions.starts_at',
      'offering_sessions.ends_at',
    )
    .whereIn('session_trainers.user_id', trainerIds)
    .whereNot('offering_sessions.id', exceptSessionId)
    .whereNot('offerings.status', 'cancelled')
    .where('offering_sessions.starts_at', '<', endsAt)
    .where('offering_sessions.ends_at', '>', startsAt)
    .orderByRaw('offering_sessions.starts_at, users.last_name COLLATE german, session_trainers.user_id');
}
