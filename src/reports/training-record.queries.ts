import type { Knex } from 'knex';
import type { AttendanceStatus } from '../attendance/attendance-rules';

type Db = Knex | Knex.Transaction;

/*
 * A person's training record, read only from published read models: `accounts_people`,
 * attendance's `attendance_marks`, the catalog's `catalog_session_schedule` (migration
 * 20261212140000) and the certificates' `certificates_verifiable` (20261212180000). One
 * statement each, whatever the length of the person's history.
 */

export type RecordPerson = { user_id: number; first_name: string; last_name: string; organisation_name: string | null };

export async function findPerson(db: Db, userId: number): Promise<RecordPerson | undefined> {
  return db('accounts_people').select('user_id', 'first_name', 'last_name', 'organisation_name').where('user_id', userId).first();
}

export type AttendedDate = {
  session_id: number;
  starts_at: Date;
  programme_title: string;
  offering_title: string;
  module_position: number | null;
  module_title: string | null;
  teaching_units: number;
  location: string | null;
};

/** The sessions the person attended (the caller passes which statuses count) that had started by `moment`, oldest first. */
export async function selectAttendedDates(db: Db, userId: number, attended: readonly AttendanceStatus[], moment: Date): Promise<AttendedDate[]> {
  return db('attendance_marks as a')
    .join('catalog_session_schedule as s', 's.session_id', 'a.session_id')
    .select('s.session_id', 's.starts_at', 's.programme_title', 's.offering_title', 's.module_position', 's.module_title', 's.teaching_units', 's.location')
    .where('a.user_id', userId)
    .whereIn('a.status', [...attended])
    .where('s.starts_at', '<=', moment)
    .orderBy([{ column: 's.starts_at' }, { column: 's.session_id' }]);
}

export type VerifiableCertificate = {
  certificate_id: number;
  serial: string;
  title: string;
  programme_title: string;
  offering_title: string;
  issued_at: Date;
  verification_url: string;
};

/** The person's valid certificates, oldest first. */
export async function selectCertificates(db: Db, userId: number): Promise<VerifiableCertificate[]> {
  return db('certificates_verifiable')
    .select('certificate_id', 'serial', 'title', 'programme_title', 'offering_title', 'issued_at', 'verification_url')
    .where('user_id', userId)
    .orderBy([{ column: 'issued_at' }, { column: 'certificate_id' }]);
}
