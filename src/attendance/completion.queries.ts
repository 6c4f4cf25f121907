import type { Knex } from 'knex';
import { ATTENDED_STATUSES, type AttendanceStatus } from './attendance-rules';

type Db = Knex | Knex.Transaction;

// Completion, progress and the attendance matrix: a fixed number of queries, whatever the size.

export type OfferingInfo = { id: number; title: string; programme_id: number; location: string; capacity: number; status: string };

export async function findOffering(db: Db, offeringId: number): Promise<OfferingInfo | undefined> {
  return db('offerings').select('id', 'title', 'programme_id', 'location', 'capacity', 'status').where('id', offeringId).first();
}

export type MatrixSession = { id: number; starts_at: Date; ends_at: Date; module_id: number | null; module_position: number | null; module_title: string | null };

export async function selectOfferingSessions(db: Db, offeringId: number): Promise<MatrixSession[]> {
  return db('offering_sessions as s')
    .leftJoin('modules as m', 'm.id', 's.module_id')
    .where('s.offering_id', offeringId)
    .select('s.id', 's.starts_at', 's.ends_at', 's.module_id', 'm.position as module_position', 'm.title as module_title')
    .orderBy([{ column: 's.starts_at' }, { column: 's.id' }]);
}

export type MatrixPerson = { user_id: number; first_name: string; last_name: string; email: string; organisation_name: string | null; department: string | null };

export async function selectConfirmedPeople(db: Db, offeringId: number): Promise<MatrixPerson[]> {
  return db('enrollments as e')
    .join('users as u', 'u.id', 'e.user_id')
    .leftJoin('organisations as org', 'org.id', 'u.organisation_id')
    .where({ 'e.offering_id': offeringId, 'e.status': 'confirmed' })
    .select('u.id as user_id', 'u.first_name', 'u.last_name', 'u.email', 'org.name as organisation_name', 'u.department')
    .orderByRaw('u.last_name COLLATE german, u.first_name COLLATE german, u.id');
}

export async function selectAttendanceOfOffering(db: Db, offeringId: number): Promise<{ session_id: number; user_id: number; status: AttendanceStatus }[]> {
  return db('attendance_records as a').join('offering_sessions as s', 's.id', 'a.session_id').where('s.offering_id', offeringId).select('a.session_id', 'a.user_id', 'a.status');
}

export type AttendedRow = { user_id: number; session_id: number; module_id: number | null; offering_id: number; starts_at: Date; ends_at: Date; location: string };

/**
 * Sessions of a programme that the given people attended (a status that counts as
 * attended), in any offering, with their times and place (what a certificate prints).
 * Only sessions that have started by `moment` count, whatever rows exist for later ones.
 */
export async function selectAttendedInProgramme(db: Db, programmeId: number, userIds: number[], moment: Date): Promise<AttendedRow[]> {
  return selectAttendedInProgrammes(db, [programmeId], userIds, moment);
}

/** The same for several programmes at once (a person's progress page: one query, however long their history). */
export async function selectAttendedInProgrammes(db: Db, programmeIds: number[], userIds: number[], moment: Date): Promise<(AttendedRow & { programme_id: number })[]> {
  if (userIds.length === 0 || programmeIds.length === 0) return [];
  return db('attendance_records as a')
    .join('offering_sessions as s', 's.id', 'a.session_id')
    .join('offerings as o', 'o.id', 's.offering_id')
    .whereIn('o.programme_id', programmeIds)
    .whereIn('a.user_id', userIds)
    .whereIn('a.status', ATTENDED_STATUSES)
    .where('s.starts_at', '<=', moment)
    .select('o.programme_id', 'a.user_id', 's.id as session_id', 's.module_id', 's.offering_id', 's.starts_at', 's.ends_at', db.raw("coalesce(nullif(s.location, ''), o.location) as location"))
    .orderBy([{ column: 's.starts_at' }, { column: 's.id' }]);
}

export type PlannedRow = { session_id: number; module_id: number | null; offering_id: number; offering_title: string; starts_at: Date; ends_at: Date };

/** Sessions not yet over (running or to come) in published offerings of a programme: where modules can (still) be attended. */
export async function selectPlannedInProgramme(db: Db, programmeId: number, from: Date): Promise<PlannedRow[]> {
  return selectPlannedInProgrammes(db, [programmeId], from);
}

export async function selectPlannedInProgrammes(db: Db, programmeIds: number[], from: Date): Promise<(PlannedRow & { programme_id: number })[]> {
  if (programmeIds.length === 0) return [];
  return db('offering_sessions as s')
    .join('offerings as o', 'o.id', 's.offering_id')
    .whereIn('o.programme_id', programmeIds)
    .where('o.status', 'published')
    .where('s.ends_at', '>', from)
    .select('o.programme_id', 's.id as session_id', 's.module_id', 's.offering_id', 'o.title as offering_title', 's.starts_at', 's.ends_at')
    .orderBy('s.starts_at');
}

export type ProgrammeInfo = { id: number; kind: 'series' | 'workshop' | 'event'; title: string; completion_rule: 'all' | 'min'; completion_min_modules: number | null };

export async function selectProgrammeInfo(db: Db, programmeId: number): Promise<ProgrammeInfo | undefined> {
  return db('programmes').select('id', 'kind', 'title', 'completion_rule', 'completion_min_modules').where('id', programmeId).first();
}

export type ModuleInfo = { id: number; position: number; title: string; teaching_units: number };

export async function selectModules(db: Db, programmeId: number): Promise<ModuleInfo[]> {
  return db('modules').select('id', 'position', 'title', 'teaching_units').where('programme_id', programmeId).orderBy('position');
}

/** Enrollments that make a programme part of a person's progress. */
const PROGRESS_ENROLLMENT_STATUSES = ['confirmed', 'waitlisted', 'pending'];

export type ProgrammeOfPerson = ProgrammeInfo & {
  offerings: { offering_id: number; offering_title: string; status: string }[];
  modules: ModuleInfo[];
};

/**
 * The programmes a person is (or was) enrolled in, each with its rule, modules and the
 * person's offerings, in one statement however long the history; in the order of their
 * first offering.
 */
export async function selectProgrammesOfPerson(db: Db, userId: number): Promise<ProgrammeOfPerson[]> {
  const result = await db.raw<{ rows: ProgrammeOfPerson[] }>(
    `SELECT p.id, p.kind, p.title, p.completion_rule, p.completion_min_modules,
            json_agg(json_build_object('offering_id', o.id, 'offering_title', o.title, 'status', e.status) ORDER BY o.id) AS offerings,
            coalesce((SELECT json_agg(json_build_object('id', m.id, 'position', m.position, 'title', m.title, 'teaching_units', m.teaching_units) ORDER BY m.position)
                        FROM modules m WHERE m.programme_id = p.id), '[]') AS modules
       FROM enrollments e
       JOIN offerings o ON o.id = e.offering_id
       JOIN programmes p ON p.id = o.programme_id
      WHERE e.user_id = ? AND e.status = ANY(?::text[])
      GROUP BY p.id
      ORDER BY min(o.id)`,
    [userId, PROGRESS_ENROLLMENT_STATUSES],
  );
  return result.rows;
}

export type ProgressSessionRow = PlannedRow & { programme_id: number; kind: 'attended' | 'planned' };

/**
 * For the same programmes: the sessions the person attended (started by `moment`) and the
 * sessions still planned in published offerings after it, in one statement that does not
 * wait for the programmes (it finds them itself).
 */
export async function selectProgressSessions(db: Db, userId: number, moment: Date): Promise<ProgressSessionRow[]> {
  const result = await db.raw<{ rows: ProgressSessionRow[] }>(
    `WITH mine AS (
       SELECT DISTINCT o.programme_id FROM enrollments e JOIN offerings o ON o.id = e.offering_id
        WHERE e.user_id = ? AND e.status = ANY(?::text[])
     )
     SELECT 'attended' AS kind, o.programme_id, s.id AS session_id, s.module_id, s.offering_id, o.title AS offering_title, s.starts_at, s.ends_at
       FROM attendance_records a
       JOIN offering_sessions s ON s.id = a.session_id
       JOIN offerings o ON o.id = s.offering_id
      WHERE a.user_id = ? AND a.status = ANY(?::text[]) AND s.starts_at <= ? AND o.programme_id IN (SELECT programme_id FROM mine)
     UNION ALL
     SELECT 'planned' AS kind, o.programme_id, s.id AS session_id, s.module_id, s.offering_id, o.title AS offering_title, s.starts_at, s.ends_at
       FROM offering_sessions s
       JOIN offerings o ON o.id = s.offering_id
      WHERE o.status = 'published' AND s.ends_at > ? AND o.programme_id IN (SELECT programme_id FROM mine)
      ORDER BY starts_at, session_id`,
    [userId, PROGRESS_ENROLLMENT_STATUSES, userId, [...ATTENDED_STATUSES], moment, moment],
  );
  return result.rows;
}
