import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export const ATTENDANCE_STATUSES = ['present', 'late', 'excused', 'absent'] as const;
export type AttendanceStatus = (typeof ATTENDANCE_STATUSES)[number];

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
};

export async function selectSessionContext(db: Db, sessionId: number): Promise<SessionContext | undefined> {
  const result = await db.raw<{ rows: SessionContext[] }>(
    `SELECT s.id, s.offering_id, s.starts_at, s.ends_at, s.location, o.title AS offering_title, o.location AS offering_location,
            o.status AS offering_status, p.id AS programme_id, p.title AS programme_title, p.kind AS programme_kind,
            m.id AS module_id, m.position AS module_position, m.title AS module_title,
            coalesce(array_agg(u.id ORDER BY u.last_name) FILTER (WHERE u.id IS NOT NULL), '{}') AS trainer_ids,
            coalesce(array_agg(u.first_name || ' ' || u.last_name ORDER BY u.last_name) FILTER (WHERE u.id IS NOT NULL), '{}') AS trainer_names
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

export type RosterRow = {
  user_id: number;
  first_name: string;
  last_name: string;
  organisation_name: string | null;
  department: string | null;
  status: AttendanceStatus | null;
  recorded_at: Date | null;
  open_excuse_id: number | null;
};

/** Confirmed participants of the session's offering with their attendance, by name. */
export async function selectRoster(db: Db, sessionId: number): Promise<RosterRow[]> {
  const result = await db.raw<{ rows: RosterRow[] }>(
    `SELECT u.id AS user_id, u.first_name, u.last_name, org.name AS organisation_name, u.department,
            a.status, a.recorded_at,
            (SELECT x.id FROM excuses x WHERE x.session_id = s.id AND x.user_id = u.id AND x.status = 'submitted' LIMIT 1) AS open_excuse_id
       FROM offering_sessions s
       JOIN enrollments e ON e.offering_id = s.offering_id AND e.status = 'confirmed'
       JOIN users u ON u.id = e.user_id
       LEFT JOIN organisations org ON org.id = u.organisation_id
       LEFT JOIN attendance_records a ON a.session_id = s.id AND a.user_id = u.id
      WHERE s.id = ?
      ORDER BY u.last_name, u.first_name, u.id`,
    [sessionId],
  );
  return result.rows;
}

export async function isConfirmedForSession(db: Db, sessionId: number, userId: number): Promise<boolean> {
  const row = await db('offering_sessions as s')
    .join('enrollments as e', 'e.offering_id', 's.offering_id')
    .where({ 's.id': sessionId, 'e.user_id': userId, 'e.status': 'confirmed' })
    .first('e.id');
  return !!row;
}

export async function selectAttendance(db: Db, sessionId: number, userIds: number[]): Promise<Map<number, AttendanceStatus>> {
  const rows: { user_id: number; status: AttendanceStatus }[] = await db('attendance_records').select('user_id', 'status').where('session_id', sessionId).whereIn('user_id', userIds);
  return new Map(rows.map((row) => [row.user_id, row.status]));
}

export async function upsertAttendance(trx: Db, row: { session_id: number; user_id: number; status: AttendanceStatus; source: string; recorded_by: number }): Promise<void> {
  await trx('attendance_records')
    .insert({ ...row, recorded_at: trx.fn.now() })
    .onConflict(['session_id', 'user_id'])
    .merge(['status', 'source', 'recorded_by', 'recorded_at']);
}

// ----- check-in -----

export type CheckInWindow = { session_id: number; nonce: string; opened_at: Date; closed_at: Date | null };

export async function upsertCheckInWindow(db: Db, sessionId: number, nonce: string, openedBy: number): Promise<void> {
  await db('check_in_windows')
    .insert({ session_id: sessionId, nonce, opened_by: openedBy, opened_at: db.fn.now(), closed_at: null })
    .onConflict('session_id')
    .merge(['nonce', 'opened_by', 'opened_at', 'closed_at']);
}

export async function closeCheckInWindow(db: Db, sessionId: number): Promise<void> {
  await db('check_in_windows').where('session_id', sessionId).whereNull('closed_at').update({ closed_at: db.fn.now() });
}

export async function findCheckInWindow(db: Db, sessionId: number): Promise<CheckInWindow | undefined> {
  return db('check_in_windows').select('session_id', 'nonce', 'opened_at', 'closed_at').where('session_id', sessionId).first();
}

/** Open windows of sessions running around `now` (a handful at any time). */
export async function selectOpenCheckInWindows(db: Db, now: Date, earlyMinutes: number): Promise<(CheckInWindow & { starts_at: Date; ends_at: Date })[]> {
  return db('check_in_windows as w')
    .join('offering_sessions as s', 's.id', 'w.session_id')
    .whereNull('w.closed_at')
    .where('s.ends_at', '>', now)
    .where('s.starts_at', '<=', new Date(now.getTime() + earlyMinutes * 60 * 1000))
    .select('w.session_id', 'w.nonce', 'w.opened_at', 'w.closed_at', 's.starts_at', 's.ends_at');
}

// ----- excuses -----

export type ExcuseRow = {
  id: number;
  session_id: number;
  user_id: number;
  reason: string;
  status: 'submitted' | 'accepted' | 'declined';
  submitted_at: Date;
  first_name: string;
  last_name: string;
  starts_at: Date;
  offering_id: number;
  offering_title: string;
  programme_title: string;
  module_title: string | null;
};

const excuseSelect = (db: Db) =>
  db('excuses as x')
    .join('users as u', 'u.id', 'x.user_id')
    .join('offering_sessions as s', 's.id', 'x.session_id')
    .join('offerings as o', 'o.id', 's.offering_id')
    .join('programmes as p', 'p.id', 'o.programme_id')
    .leftJoin('modules as m', 'm.id', 's.module_id')
    .select('x.id', 'x.session_id', 'x.user_id', 'x.reason', 'x.status', 'x.submitted_at', 'u.first_name', 'u.last_name', 's.starts_at', 'o.id as offering_id', 'o.title as offering_title', 'p.title as programme_title', 'm.title as module_title');

export async function insertExcuse(db: Db, excuse: { session_id: number; user_id: number; reason: string }): Promise<number> {
  const [row] = await db('excuses').insert(excuse).returning('id');
  return (row as { id: number }).id;
}

export async function findExcuse(db: Db, id: number): Promise<ExcuseRow | undefined> {
  return excuseSelect(db).where('x.id', id).first();
}

export async function selectOpenExcuses(db: Db): Promise<ExcuseRow[]> {
  return excuseSelect(db).where('x.status', 'submitted').orderBy('s.starts_at');
}

export async function selectExcusesOfUser(db: Db, userId: number): Promise<ExcuseRow[]> {
  return excuseSelect(db).where('x.user_id', userId).orderBy('x.submitted_at', 'desc');
}

export async function decideExcuse(trx: Db, id: number, status: 'accepted' | 'declined', decidedBy: number): Promise<number> {
  return trx('excuses').where({ id, status: 'submitted' }).update({ status, decided_by: decidedBy, decided_at: trx.fn.now() });
}

// ----- completion and matrix (a fixed number of queries, whatever the size) -----

export type MatrixSession = { id: number; starts_at: Date; module_id: number | null; module_position: number | null; module_title: string | null };

export async function selectOfferingSessions(db: Db, offeringId: number): Promise<MatrixSession[]> {
  return db('offering_sessions as s')
    .leftJoin('modules as m', 'm.id', 's.module_id')
    .where('s.offering_id', offeringId)
    .select('s.id', 's.starts_at', 's.module_id', 'm.position as module_position', 'm.title as module_title')
    .orderBy([{ column: 's.starts_at' }, { column: 's.id' }]);
}

export type MatrixPerson = { user_id: number; first_name: string; last_name: string; email: string; organisation_name: string | null; department: string | null };

export async function selectConfirmedPeople(db: Db, offeringId: number): Promise<MatrixPerson[]> {
  return db('enrollments as e')
    .join('users as u', 'u.id', 'e.user_id')
    .leftJoin('organisations as org', 'org.id', 'u.organisation_id')
    .where({ 'e.offering_id': offeringId, 'e.status': 'confirmed' })
    .select('u.id as user_id', 'u.first_name', 'u.last_name', 'u.email', 'org.name as organisation_name', 'u.department')
    .orderBy([{ column: 'u.last_name' }, { column: 'u.first_name' }, { column: 'u.id' }]);
}

export async function selectAttendanceOfOffering(db: Db, offeringId: number): Promise<{ session_id: number; user_id: number; status: AttendanceStatus }[]> {
  return db('attendance_records as a').join('offering_sessions as s', 's.id', 'a.session_id').where('s.offering_id', offeringId).select('a.session_id', 'a.user_id', 'a.status');
}

export type AttendedRow = { user_id: number; session_id: number; module_id: number | null; offering_id: number; starts_at: Date; ends_at: Date; location: string };

/**
 * Sessions of a programme that the given people attended (present or late), in any
 * offering, with their times and place (what a certificate prints).
 */
export async function selectAttendedInProgramme(db: Db, programmeId: number, userIds: number[]): Promise<AttendedRow[]> {
  if (userIds.length === 0) return [];
  return db('attendance_records as a')
    .join('offering_sessions as s', 's.id', 'a.session_id')
    .join('offerings as o', 'o.id', 's.offering_id')
    .where('o.programme_id', programmeId)
    .whereIn('a.user_id', userIds)
    .whereIn('a.status', ['present', 'late'])
    .select('a.user_id', 's.id as session_id', 's.module_id', 's.offering_id', 's.starts_at', 's.ends_at', db.raw("coalesce(nullif(s.location, ''), o.location) as location"))
    .orderBy([{ column: 's.starts_at' }, { column: 's.id' }]);
}

export type PlannedRow = { session_id: number; module_id: number | null; offering_id: number; offering_title: string; starts_at: Date };

/** Sessions still to come in published offerings of a programme: where modules can (still) be attended. */
export async function selectPlannedInProgramme(db: Db, programmeId: number, from: Date): Promise<PlannedRow[]> {
  return db('offering_sessions as s')
    .join('offerings as o', 'o.id', 's.offering_id')
    .where('o.programme_id', programmeId)
    .where('o.status', 'published')
    .where('s.starts_at', '>', from)
    .select('s.id as session_id', 's.module_id', 's.offering_id', 'o.title as offering_title', 's.starts_at')
    .orderBy('s.starts_at');
}

export type ProgrammeInfo = { id: number; kind: 'series' | 'workshop' | 'event'; title: string; completion_rule: 'all' | 'min'; completion_min_modules: number | null };

export async function selectProgrammeInfo(db: Db, programmeId: number): Promise<ProgrammeInfo | undefined> {
  return db('programmes').select('id', 'kind', 'title', 'completion_rule', 'completion_min_modules').where('id', programmeId).first();
}

export async function selectModules(db: Db, programmeId: number): Promise<{ id: number; position: number; title: string; teaching_units: number }[]> {
  return db('modules').select('id', 'position', 'title', 'teaching_units').where('programme_id', programmeId).orderBy('position');
}

/** Programmes a person is (or was) enrolled in, with the offerings. */
export async function selectProgrammesOfPerson(db: Db, userId: number): Promise<{ programme_id: number; offering_id: number; offering_title: string; status: string }[]> {
  return db('enrollments as e')
    .join('offerings as o', 'o.id', 'e.offering_id')
    .where('e.user_id', userId)
    .whereIn('e.status', ['confirmed', 'waitlisted', 'pending'])
    .select('o.programme_id', 'o.id as offering_id', 'o.title as offering_title', 'e.status')
    .orderBy('o.id');
}

export async function selectSessionsForStaff(db: Db, userId: number | null, from: Date): Promise<(MatrixSession & { offering_id: number; offering_title: string; programme_title: string; ends_at: Date })[]> {
  const query = db('offering_sessions as s')
    .join('offerings as o', 'o.id', 's.offering_id')
    .join('programmes as p', 'p.id', 'o.programme_id')
    .leftJoin('modules as m', 'm.id', 's.module_id')
    .where('o.status', 'published')
    .where('s.ends_at', '>=', from)
    .select('s.id', 's.starts_at', 's.ends_at', 's.module_id', 'm.position as module_position', 'm.title as module_title', 'o.id as offering_id', 'o.title as offering_title', 'p.title as programme_title')
    .orderBy('s.starts_at')
    .limit(200);
  if (userId !== null) query.whereExists(db('session_trainers as st').select(db.raw('1')).whereRaw('st.session_id = s.id').where('st.user_id', userId));
  return query;
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
