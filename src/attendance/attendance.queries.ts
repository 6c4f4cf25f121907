import type { Knex } from 'knex';
import { berlinDayText, dayProofSql } from './participant-list.queries';

type Db = Knex | Knex.Transaction;

/*
 * The session as the attendance domain sees it (shared by roll call, check-in, excuses and
 * signed sheets). The other aggregates have their own files: roll-call.queries.ts,
 * check-in.queries.ts, excuses.queries.ts, completion.queries.ts.
 */

/**
 * A coordinator's or trainer's name search ("Schäfer", "lena sch", "Schäfer, L") on the
 * users table aliased `u`; the person's own % and _ are taken literally. Lower case through
 * the ICU collation, so "özdemir" finds "Özdemir" whatever the database's own locale.
 */
export function nameSearch(search: string): { sql: string; bindings: string[] } {
  const pattern = `%${search.toLocaleLowerCase('de-DE').replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
  return {
    sql: "(lower(u.first_name || ' ' || u.last_name COLLATE german) LIKE ? OR lower(u.last_name || ', ' || u.first_name COLLATE german) LIKE ?)",
    bindings: [pattern, pattern],
  };
}

export type SessionContext = {
  id: number;
  offering_id: number;
  starts_at: Date;
  ends_at: Date;
  location: string;
  offering_title: string;
  offering_location: string;
  offering_status: string;
  programme_id: number;
  programme_title: string;
  programme_kind: 'series' | 'workshop' | 'event';
  module_id: number | null;
  module_position: number | null;
  module_title: string | null;
  trainer_ids: number[];
  trainer_names: string[];
  /** YYYY-MM-DD in Europe/Berlin: the day whose participant list this session is on. */
  berlin_day: string;
  /** A signed sheet was uploaded for this session's day (any session of the offering that day). */
  day_proof: boolean;
};

export async function selectSessionContext(db: Db, sessionId: number): Promise<SessionContext | undefined> {
  const result = await db.raw<{ rows: SessionContext[] }>(
    `SELECT s.id, s.offering_id, s.starts_at, s.ends_at, s.location, o.title AS offering_title, o.location AS offering_location,
            o.status AS offering_status, p.id AS programme_id, p.title AS programme_title, p.kind AS programme_kind,
            m.id AS module_id, m.position AS module_position, m.title AS module_title,
            coalesce(array_agg(u.id ORDER BY u.last_name COLLATE german, u.first_name COLLATE german, u.id) FILTER (WHERE u.id IS NOT NULL), '{}') AS trainer_ids,
            coalesce(array_agg(u.first_name || ' ' || u.last_name ORDER BY u.last_name COLLATE german, u.first_name COLLATE german, u.id) FILTER (WHERE u.id IS NOT NULL), '{}') AS trainer_names,
            ${berlinDayText('s')} AS berlin_day, ${dayProofSql('s')} AS day_proof
       FROM offering_sessions s
       JOIN offerings o ON o.id = s.offering_id
       JOIN programmes p ON p.id = o.programme_id
       LEFT JOIN modules m ON m.id = s.module_id
       LEFT JOIN session_trainers st ON st.session_id = s.id
       LEFT JOIN users u ON u.id = st.user_id
      WHERE s.id = ?
      GROUP BY s.id, o.id, p.id, m.id`,
    [sessionId],
  );
  return result.rows[0];
}

export async function isConfirmedForSession(db: Db, sessionId: number, userId: number): Promise<boolean> {
  const row = await db('offering_sessions as s')
    .join('enrollments as e', 'e.offering_id', 's.offering_id')
    .where({ 's.id': sessionId, 'e.user_id': userId, 'e.status': 'confirmed' })
    .first('e.id');
  return !!row;
}

// ----- signed sign-in sheets -----

export const SIGNED_SHEET_TYPES = ['application/pdf', 'image/png', 'image/jpeg'] as const;
export type SignedSheetType = (typeof SIGNED_SHEET_TYPES)[number];

export type SignedSheetRow = {
  id: number;
  session_id: number;
  content_type: SignedSheetType;
  original_name: string;
  size_bytes: number;
  sha256: string;
  uploaded_at: Date;
  uploaded_by: number;
  uploader_first_name: string;
  uploader_last_name: string;
};

const SIGNED_SHEET_COLUMNS = [
  'sh.id',
  'sh.session_id',
  'sh.content_type',
  'sh.original_name',
  'sh.size_bytes',
  'sh.sha256',
  'sh.uploaded_at',
  'sh.uploaded_by',
  'u.first_name as uploader_first_name',
  'u.last_name as uploader_last_name',
];

export async function insertSignedSheet(
  trx: Db,
  sheet: { session_id: number; content_type: SignedSheetType; original_name: string; size_bytes: number; sha256: string; bytes: Buffer; uploaded_by: number },
): Promise<number> {
  const [row] = await trx('signed_sheets').insert(sheet).returning('id');
  return (row as { id: number }).id;
}

/** The session's scans, newest first (the first one is "the" sheet); without their bytes. */
export async function selectSignedSheets(db: Db, sessionId: number): Promise<SignedSheetRow[]> {
  return db('signed_sheets as sh')
    .join('users as u', 'u.id', 'sh.uploaded_by')
    .select(SIGNED_SHEET_COLUMNS)
    .where('sh.session_id', sessionId)
    .orderBy([
      { column: 'sh.uploaded_at', order: 'desc' },
      { column: 'sh.id', order: 'desc' },
    ]);
}

/** One scan's details, without its bytes (to decide who may have them first). */
export async function findSignedSheet(db: Db, id: number): Promise<SignedSheetRow | undefined> {
  return db('signed_sheets as sh').join('users as u', 'u.id', 'sh.uploaded_by').first(SIGNED_SHEET_COLUMNS).where('sh.id', id);
}

export async function selectSignedSheetBytes(db: Db, id: number): Promise<Buffer | undefined> {
  const row = (await db('signed_sheets').first('bytes').where('id', id)) as { bytes: Buffer } | undefined;
  return row?.bytes;
}
