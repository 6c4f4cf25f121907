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
  /** Identity providers the account is linked to (single sign-on): provider, the provider's id for the person, dates. */
  external_identities: { provider: string; subject: string; created_at: string; last_login_at: string | null }[];
  /** Whether a second factor is set up (never its key or codes: those are credentials). */
  has_second_factor: boolean;
};

/** The account as stored, for the person's own data export (Art. 15/20 DSGVO). */
export async function selectPersonalProfile(db: Db, userId: number): Promise<PersonalProfile | undefined> {
  return db('users as u')
    .leftJoin('organisations as o', 'o.id', 'u.organisation_id')
    .select('u.id', 'u.first_name', 'u.last_name', 'u.email', 'o.name as organisation_name', 'u.department', 'u.role', 'u.locale', 'u.email_verified_at', 'u.last_login_at', 'u.created_at')
    // Same statement: the account's links and whether a second factor exists are the accounts domain's too.
    .select(
      db.raw(`coalesce((SELECT json_agg(json_build_object('provider', x.provider, 'subject', x.subject, 'created_at', x.created_at, 'last_login_at', x.last_login_at) ORDER BY x.id)
                          FROM external_identities x WHERE x.user_id = u.id), '[]') AS external_identities`),
      db.raw('EXISTS (SELECT 1 FROM second_factors f WHERE f.user_id = u.id) AS has_second_factor'),
    )
    .where('u.id', userId)
    .first();
}
