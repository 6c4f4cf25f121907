import type { Knex } from 'knex';

export type ReminderTarget = { subjectId: number; userId: number };

/**
 * Claims the reminders of one rule that nobody claimed before and returns those: the
 * primary key (rule, subject, person) lets exactly one transaction win, whichever instance
 * runs it; a concurrent one waits for the winner's commit and then gets nothing.
 */
export async function insertClaims(trx: Knex.Transaction, rule: string, targets: ReminderTarget[]): Promise<ReminderTarget[]> {
  if (targets.length === 0) return [];
  const { rows } = await trx.raw<{ rows: { subject_id: number; user_id: number }[] }>(
    `INSERT INTO reminder_claims (rule, subject_id, user_id)
     SELECT ?, t.subject_id, t.user_id FROM unnest(?::int[], ?::int[]) AS t(subject_id, user_id)
     ON CONFLICT DO NOTHING
     RETURNING subject_id, user_id`,
    [rule, targets.map((target) => target.subjectId), targets.map((target) => target.userId)],
  );
  return rows.map((row) => ({ subjectId: row.subject_id, userId: row.user_id }));
}

/** Retention: claims of reminders whose occasion is long past (every rule looks back at most a few weeks). */
export async function deleteClaimsBefore(db: Knex | Knex.Transaction, before: Date): Promise<number> {
  return db('reminder_claims').where('claimed_at', '<', before).delete();
}

export async function deleteClaimsOf(db: Knex | Knex.Transaction, userId: number): Promise<number> {
  return db('reminder_claims').where('user_id', userId).delete();
}
