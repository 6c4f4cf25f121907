import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type PersonalAuditEntry = {
  id: string;
  occurred_at: Date;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  before: unknown;
  after: unknown;
  /** Only the person's own address: who else acted, and from where, is another person's data. */
  ip: string | null;
  by_self: boolean;
};

/** Ids as a PostgreSQL array literal: one binding however many there are. */
function arrayLiteral(values: number[]): string {
  return `{${values.map((value) => String(Math.trunc(value))).join(',')}}`;
}

export type PersonalSubjects = { userId: number; enrollmentIds: number[]; excuseIds: number[]; certificateIds: number[] };

/**
 * The audit entries about the person: about their account, their enrollments, excuses,
 * certificates and attendance marks. Entries they made about other people are not theirs.
 */
export async function selectPersonalAuditEntries(db: Db, subjects: PersonalSubjects): Promise<PersonalAuditEntry[]> {
  const { rows } = await db.raw<{ rows: PersonalAuditEntry[] }>(
    `SELECT id, occurred_at, action, subject_type, subject_id, before, after,
            CASE WHEN actor_user_id = :userId THEN ip END AS ip,
            coalesce(actor_user_id = :userId, false) AS by_self
       FROM audit_events
      WHERE (subject_type = 'user' AND subject_id = :userIdText)
         OR (subject_type = 'attendance' AND subject_id LIKE :attendanceSuffix)
         OR (subject_type = 'enrollment' AND subject_id = ANY(CAST(:enrollmentIds AS text[])))
         OR (subject_type = 'excuse' AND subject_id = ANY(CAST(:excuseIds AS text[])))
         OR (subject_type = 'certificate' AND subject_id = ANY(CAST(:certificateIds AS text[])))
      ORDER BY id`,
    {
      userId: subjects.userId,
      userIdText: String(subjects.userId),
      attendanceSuffix: `%:${subjects.userId}`,
      enrollmentIds: arrayLiteral(subjects.enrollmentIds),
      excuseIds: arrayLiteral(subjects.excuseIds),
      certificateIds: arrayLiteral(subjects.certificateIds),
    },
  );
  return rows;
}
