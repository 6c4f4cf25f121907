import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type PersonalProfile = {
  id: number;
  first_name: string;
  last_name: string;
  email: string;
  organisation_name: string | null;
  department: string | null;
  role: string;
  locale: string;
  email_verified_at: Date | null;
  last_login_at: Date | null;
  created_at: Date;
};

/** The account as stored, for the person's own data export (Art. 15/20 DSGVO). */
export async function selectPersonalProfile(db: Db, userId: number): Promise<PersonalProfile | undefined> {
  return db('users as u')
    .leftJoin('organisations as o', 'o.id', 'u.organisation_id')
    .select('u.id', 'u.first_name', 'u.last_name', 'u.email', 'o.name as organisation_name', 'u.department', 'u.role', 'u.locale', 'u.email_verified_at', 'u.last_login_at', 'u.created_at')
    .where('u.id', userId)
    .first();
}
