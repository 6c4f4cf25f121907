import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

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
