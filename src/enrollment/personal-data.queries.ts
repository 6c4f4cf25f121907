import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type PersonalEnrollment = {
  id: number;
  status: string;
  requested_at: Date;
  confirmed_at: Date | null;
  cancelled_at: Date | null;
  note: string | null;
  offering_title: string;
  programme_title: string;
};

/** Every enrollment of the person, whatever its state, oldest first (data export). */
export async function selectPersonalEnrollments(db: Db, userId: number): Promise<PersonalEnrollment[]> {
  return db('enrollments as e')
    .join('offerings as o', 'o.id', 'e.offering_id')
    .join('programmes as p', 'p.id', 'o.programme_id')
    .select('e.id', 'e.status', 'e.requested_at', 'e.confirmed_at', 'e.cancelled_at', 'e.note', 'o.title as offering_title', 'p.title as programme_title')
    .where('e.user_id', userId)
    .orderBy([{ column: 'e.requested_at' }, { column: 'e.id' }]);
}
