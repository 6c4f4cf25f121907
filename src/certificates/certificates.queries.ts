import type { Knex } from 'knex';
import type { CertificateSnapshot } from './certificate.model';

type Db = Knex | Knex.Transaction;

export type CertificateStatus = 'valid' | 'revoked' | 'superseded';

export type CertificateRow = {
  id: number;
  serial: string;
  verification_code: string;
  user_id: number;
  programme_id: number;
  offering_id: number;
  subject_key: string;
  kind: 'certificate' | 'confirmation';
  status: CertificateStatus;
  snapshot: CertificateSnapshot;
  pdf_sha256: string;
  issued_at: Date;
  revoked_at: Date | null;
  revocation_reason: string | null;
  superseded_at: Date | null;
  superseded_by: number | null;
};

/** Everything but the PDF bytes, which only downloads read. */
const columns = [
  'id',
  'serial',
  'verification_code',
  'user_id',
  'programme_id',
  'offering_id',
  'subject_key',
  'kind',
  'status',
  'snapshot',
  'pdf_sha256',
  'issued_at',
  'revoked_at',
  'revocation_reason',
  'superseded_at',
  'superseded_by',
];

/**
 * Serialises issuing for one person and subject until the transaction ends, so two
 * coordinators issuing the same certificate at once get one certificate, not two.
 */
export async function lockSubject(trx: Knex.Transaction, userId: number, subjectKey: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?), ?)', [`certificate:${subjectKey}`, userId]);
}

/**
 * The next serial number of a year. The counter row stays locked until the transaction
 * ends, so numbers are handed out one after another, and a rolled-back issue gives its
 * number back: no gaps, no duplicates.
 */
export async function takeSerialNumber(trx: Knex.Transaction, year: number): Promise<number> {
  const { rows } = await trx.raw<{ rows: { last_number: number }[] }>(
    `INSERT INTO certificate_serial_counters AS counter (year, last_number) VALUES (?, 1)
     ON CONFLICT (year) DO UPDATE SET last_number = counter.last_number + 1
     RETURNING last_number`,
    [year],
  );
  return rows[0]!.last_number;
}

/**
 * `lockSubject` for many people at once, in the order of their ids: every issuer takes the
 * subject locks in that order before the serial counter, so two batches cannot deadlock.
 */
export async function lockSubjects(trx: Knex.Transaction, userIds: number[], subjectKey: string): Promise<void> {
  const ordered = [...userIds].sort((a, b) => a - b);
  // unnest hands the ids out in array order; the locks are taken one row after another.
  await trx.raw('SELECT count(pg_advisory_xact_lock(hashtext(?), person)) FROM unnest(?::int[]) AS person', [`certificate:${subjectKey}`, `{${ordered.map((id) => Math.trunc(id)).join(',')}}`]);
}

/** `count` consecutive serial numbers of a year, the same way as `takeSerialNumber`: returns the first. */
export async function takeSerialNumbers(trx: Knex.Transaction, year: number, count: number): Promise<number> {
  const { rows } = await trx.raw<{ rows: { last_number: number }[] }>(
    `INSERT INTO certificate_serial_counters AS counter (year, last_number) VALUES (?, ?)
     ON CONFLICT (year) DO UPDATE SET last_number = counter.last_number + excluded.last_number
     RETURNING last_number`,
    [year, count],
  );
  return rows[0]!.last_number - count + 1;
}

/** Who of these people already holds a valid certificate for the subject. */
export async function selectHoldersOfSubject(trx: Knex.Transaction, userIds: number[], subjectKey: string): Promise<number[]> {
  if (userIds.length === 0) return [];
  return trx('certificates').where({ subject_key: subjectKey, status: 'valid' }).whereIn('user_id', userIds).pluck('user_id');
}

/** Many certificates in one statement; returns what the audit entry lists. */
export async function insertCertificates(trx: Knex.Transaction, certificates: NewCertificate[]): Promise<{ id: number; serial: string; user_id: number; pdf_sha256: string }[]> {
  if (certificates.length === 0) return [];
  return trx('certificates')
    .insert(certificates.map((certificate) => ({ ...certificate, snapshot: JSON.stringify(certificate.snapshot) })))
    .returning(['id', 'serial', 'user_id', 'pdf_sha256']);
}

/** An id for a certificate about to be inserted, so the one it supersedes can point at it first. */
export async function reserveCertificateId(trx: Knex.Transaction): Promise<number> {
  const { rows } = await trx.raw<{ rows: { id: string }[] }>("SELECT nextval(pg_get_serial_sequence('certificates', 'id')) AS id");
  return Number(rows[0]!.id);
}

export type NewCertificate = Pick<
  CertificateRow,
  'serial' | 'verification_code' | 'user_id' | 'programme_id' | 'offering_id' | 'subject_key' | 'kind' | 'snapshot' | 'pdf_sha256' | 'issued_at'
> & { id?: number; serial_year: number; serial_number: number; pdf: Buffer; issued_by: number };

export async function insertCertificate(trx: Knex.Transaction, certificate: NewCertificate): Promise<CertificateRow> {
  const [row] = await trx('certificates')
    .insert({ ...certificate, snapshot: JSON.stringify(certificate.snapshot) })
    .returning(columns);
  return row as CertificateRow;
}

export async function findValidForSubject(db: Db, userId: number, subjectKey: string): Promise<CertificateRow | undefined> {
  return db('certificates').select(columns).where({ user_id: userId, subject_key: subjectKey, status: 'valid' }).first();
}

export async function findCertificate(db: Db, id: number): Promise<CertificateRow | undefined> {
  return db('certificates').select(columns).where('id', id).first();
}

export async function findCertificateForUpdate(trx: Knex.Transaction, id: number): Promise<CertificateRow | undefined> {
  return trx('certificates').select(columns).where('id', id).forUpdate().first();
}

export async function findByVerificationCode(db: Db, code: string): Promise<CertificateRow | undefined> {
  return db('certificates').select(columns).where('verification_code', code).first();
}

export async function selectPdf(db: Db, id: number): Promise<{ pdf: Buffer; pdf_sha256: string; serial: string; kind: string; issued_at: Date; user_id: number } | undefined> {
  return db('certificates').select('pdf', 'pdf_sha256', 'serial', 'kind', 'issued_at', 'user_id').where('id', id).first();
}

export type OwnCertificate = Pick<CertificateRow, 'id' | 'serial' | 'verification_code' | 'status' | 'issued_at'> & { title: string; programme_title: string; offering_title: string };

/** A person's certificates as their list shows them: the titles read out of the snapshot in the database. */
export async function selectListOfUser(db: Db, userId: number): Promise<OwnCertificate[]> {
  return db('certificates')
    .select('id', 'serial', 'verification_code', 'status', 'issued_at', db.raw("snapshot->'template'->>'title' AS title"), db.raw("snapshot->>'programmeTitle' AS programme_title"), db.raw("snapshot->>'offeringTitle' AS offering_title"))
    .where('user_id', userId)
    .orderBy('issued_at', 'desc');
}

export async function markRevoked(trx: Knex.Transaction, id: number, by: number, reason: string): Promise<number> {
  return trx('certificates').where({ id, status: 'valid' }).update({ status: 'revoked', revoked_at: trx.fn.now(), revoked_by: by, revocation_reason: reason });
}

export async function markSuperseded(trx: Knex.Transaction, id: number, supersededBy: number): Promise<number> {
  return trx('certificates').where({ id, status: 'valid' }).update({ status: 'superseded', superseded_by: supersededBy, superseded_at: trx.fn.now() });
}

/** Valid certificates issued in an offering, `limit` at a time after `afterId`, in the order they were issued. */
export async function selectValidOfOfferingBatch(db: Db, offeringId: number, afterId: number, limit: number): Promise<{ id: number; serial: string; snapshot: CertificateSnapshot }[]> {
  return db('certificates').select('id', 'serial', 'snapshot').where({ offering_id: offeringId, status: 'valid' }).where('id', '>', afterId).orderBy('id').limit(limit);
}

export async function selectValidPdfsOfOfferingBatch(db: Db, offeringId: number, afterId: number, limit: number): Promise<{ id: number; serial: string; pdf: Buffer; snapshot: CertificateSnapshot }[]> {
  return db('certificates').select('id', 'serial', 'pdf', 'snapshot').where({ offering_id: offeringId, status: 'valid' }).where('id', '>', afterId).orderBy('id').limit(limit);
}

/** The templates the valid certificates of an offering were printed with (few: one per change). */
export async function selectTemplatesOfOffering(db: Db, offeringId: number): Promise<CertificateSnapshot['template'][]> {
  const rows = await db('certificates').distinct(db.raw("snapshot->'template' AS template")).where({ offering_id: offeringId, status: 'valid' });
  return rows.map((row: { template: CertificateSnapshot['template'] }) => row.template);
}
