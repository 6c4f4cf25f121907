import type { Knex } from 'knex';
import type { OfferingStatus, ProgrammeKind, SignInSheetMode } from './catalog.model';
import { sessionBounds } from './catalog.queries';

type Db = Knex | Knex.Transaction;

// ----- offerings -----

export type OfferingRow = {
  id: number;
  programme_id: number;
  title: string;
  description: string;
  capacity: number;
  registration_opens_at: Date;
  registration_closes_at: Date;
  cancellation_deadline: Date | null;
  location: string;
  requires_approval: boolean;
  status: OfferingStatus;
  sign_in_sheet_mode: SignInSheetMode;
};

/** Without a mode the offering keeps its own (new offerings get the column's default, one shared list). */
export type OfferingChanges = Omit<OfferingRow, 'id' | 'programme_id' | 'status' | 'sign_in_sheet_mode'> & { sign_in_sheet_mode?: SignInSheetMode };

export type OfferingListRow = OfferingRow & {
  programme_title: string;
  programme_kind: ProgrammeKind;
  first_session_at: Date | null;
  last_session_ends_at: Date | null;
  session_count: number;
};

const offeringColumns = [
  'offerings.id',
  'offerings.programme_id',
  'offerings.title',
  'offerings.description',
  'offerings.capacity',
  'offerings.registration_opens_at',
  'offerings.registration_closes_at',
  'offerings.cancellation_deadline',
  'offerings.location',
  'offerings.requires_approval',
  'offerings.status',
  'offerings.sign_in_sheet_mode',
];

export type OfferingFilter = { programmeId?: number; status?: OfferingStatus };

export async function selectOfferings(db: Db, filter: OfferingFilter): Promise<OfferingListRow[]> {
  const query = db('offerings')
    .join('programmes', 'programmes.id', 'offerings.programme_id')
    .leftJoin(sessionBounds(db), 'bounds.offering_id', 'offerings.id')
    .select(offeringColumns)
    .select(
      'programmes.title as programme_title',
      'programmes.kind as programme_kind',
      'bounds.first_session_at',
      'bounds.last_session_ends_at',
      db.raw('coalesce(bounds.session_count, 0)::int AS session_count'),
    )
    // Undated drafts first (they need work), then the newest runs.
    .orderByRaw('bounds.first_session_at DESC NULLS FIRST, offerings.id DESC');
  if (filter.programmeId) query.where('offerings.programme_id', filter.programmeId);
  if (filter.status) query.where('offerings.status', filter.status);
  return query;
}

export async function findOffering(db: Db, id: number): Promise<OfferingRow | undefined> {
  return db('offerings').select(offeringColumns).where('offerings.id', id).first();
}

/** Locks the offering row: its sessions and registration window change one request at a time. */
export async function lockOffering(trx: Knex.Transaction, id: number): Promise<OfferingRow | undefined> {
  return trx('offerings').select(offeringColumns).where('offerings.id', id).forUpdate().first();
}

export async function insertOffering(db: Db, offering: OfferingChanges & { programme_id: number }): Promise<number> {
  const [row] = await db('offerings')
    .insert({ ...offering, status: 'draft' })
    .returning('id');
  return (row as { id: number }).id;
}

export async function updateOffering(db: Db, id: number, changes: OfferingChanges): Promise<void> {
  await db('offerings')
    .where('id', id)
    .update({ ...changes, updated_at: db.fn.now() });
}

export async function setOfferingStatus(db: Db, id: number, status: OfferingStatus): Promise<void> {
  // When it was cancelled: the personal feed shows its sessions as cancelled to those whose seat ended with it.
  await db('offerings')
    .where('id', id)
    .update({ status, updated_at: db.fn.now(), ...(status === 'cancelled' ? { cancelled_at: db.fn.now() } : {}) });
}

/** What seat decisions need of an offering: the row and when its first session begins. */
export type SeatOffering = Pick<
  OfferingRow,
  'id' | 'programme_id' | 'title' | 'status' | 'capacity' | 'requires_approval' | 'registration_opens_at' | 'registration_closes_at' | 'cancellation_deadline'
> & { first_session_at: Date | null };

/**
 * The offering for a seat decision. With `lock`, the row stays locked for the rest of the
 * transaction: every change to its seats (enroll, cancel, approve, capacity) goes through
 * this lock, one at a time.
 */
export async function selectSeatOffering(db: Db, offeringId: number, lock: boolean): Promise<SeatOffering | undefined> {
  const query = db('offerings')
    .select('id', 'programme_id', 'title', 'status', 'capacity', 'requires_approval', 'registration_opens_at', 'registration_closes_at', 'cancellation_deadline')
    .where('id', offeringId)
    .first();
  const offering = await (lock ? query.forUpdate() : query);
  if (!offering) return undefined;
  const bounds = await db('offering_sessions').min({ first_session_at: 'starts_at' }).where('offering_id', offeringId).first();
  return { ...offering, first_session_at: (bounds?.first_session_at as Date | null) ?? null };
}

export async function updateCapacity(db: Db, offeringId: number, capacity: number): Promise<void> {
  await db('offerings').where('id', offeringId).update({ capacity, updated_at: db.fn.now() });
}
