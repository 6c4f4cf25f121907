import type { Knex } from 'knex';
import type { Role, SessionUser } from './roles';

type Db = Knex | Knex.Transaction;

export type UserRow = {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  organisation_id: number | null;
  department: string | null;
  role: Role;
  password_hash: string;
  active: boolean;
  locale: 'de' | 'en';
  email_verified_at: Date | null;
  last_login_at: Date | null;
  created_at: Date;
};

const userColumns = [
  'users.id',
  'users.email',
  'users.first_name',
  'users.last_name',
  'users.organisation_id',
  'users.department',
  'users.role',
  'users.password_hash',
  'users.active',
  'users.locale',
  'users.email_verified_at',
  'users.last_login_at',
  'users.created_at',
];

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db('users').select(userColumns).whereRaw('lower(email) = lower(?)', [email]).first();
}

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  return db('users').select(userColumns).where('id', id).first();
}

/** One indexed lookup per request; only active accounts have a session user. */
export async function findSessionUser(db: Db, id: number): Promise<SessionUser | undefined> {
  const row = await db('users')
    .select('id', 'email', 'first_name', 'last_name', 'role', 'locale', 'organisation_id')
    .where({ id, active: true })
    .first();
  return row
    ? { id: row.id, email: row.email, firstName: row.first_name, lastName: row.last_name, role: row.role, locale: row.locale, organisationId: row.organisation_id }
    : undefined;
}

export type NewUser = Pick<UserRow, 'email' | 'first_name' | 'last_name' | 'organisation_id' | 'department' | 'role' | 'password_hash' | 'locale' | 'email_verified_at'>;

export async function insertUser(db: Db, user: NewUser): Promise<number> {
  const [row] = await db('users').insert(user).returning('id');
  return (row as { id: number }).id;
}

export async function updateUser(db: Db, id: number, changes: Partial<Omit<UserRow, 'id' | 'created_at'>>): Promise<void> {
  await db('users').where('id', id).update({ ...changes, updated_at: db.fn.now() });
}

export type UserListFilter = { search?: string; role?: Role; status?: 'active' | 'inactive'; organisationId?: number; limit: number; offset: number };

export type UserListRow = Pick<UserRow, 'id' | 'email' | 'first_name' | 'last_name' | 'role' | 'active' | 'last_login_at'> & {
  organisation_name: string | null;
};

/**
 * One page of accounts in German name order and the number matching, in one statement.
 * Unfiltered, the page is read along the index users_german_name_order and stops at the
 * limit; the count is a sub-select run once, an index-only scan (10,000 accounts: ~1 ms);
 * a search uses the trigram index users_search_trigrams. Only past the last page (no row
 * to carry the count) is the count asked for on its own.
 */
export async function selectUsers(db: Db, filter: UserListFilter): Promise<{ rows: UserListRow[]; total: number }> {
  const matching = (query: Knex.QueryBuilder) => {
    if (filter.search) {
      const pattern = `%${filter.search.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
      // One expression, the one the trigram index users_search_trigrams holds: address, first and last name.
      query.whereRaw("(users.email || ' ' || users.first_name || ' ' || users.last_name) ILIKE ?", [pattern]);
    }
    if (filter.role) query.where('users.role', filter.role);
    if (filter.status) query.where('users.active', filter.status === 'active');
    if (filter.organisationId) query.where('users.organisation_id', filter.organisationId);
    return query;
  };
  const count = () => matching(db('users').select(db.raw('count(*)::int')));
  const rows: (UserListRow & { total: number })[] = await matching(db('users'))
    .leftJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select('users.id', 'users.email', 'users.first_name', 'users.last_name', 'users.role', 'users.active', 'users.last_login_at', 'organisations.name as organisation_name')
    .select(count().as('total'))
    .orderByRaw('users.last_name COLLATE german, users.first_name COLLATE german, users.id')
    .limit(filter.limit)
    .offset(filter.offset);
  if (rows.length === 0) {
    const total = filter.offset > 0 ? ((await count().first()) as { count: number } | undefined)?.count ?? 0 : 0;
    return { rows: [], total };
  }
  return { rows: rows.map(({ total: _total, ...row }) => row), total: rows[0]!.total };
}

/** Ends every session of a user (deactivation, password reset); sessions are rows in PostgreSQL. */
export async function deleteSessionsOfUser(db: Db, userId: number, exceptSid?: string): Promise<number> {
  const query = db('http_sessions').whereRaw("(sess -> 'passport' ->> 'user') = ?", [String(userId)]);
  if (exceptSid) query.whereNot('sid', exceptSid);
  return query.delete();
}

export type TokenPurpose = 'email_verification' | 'password_reset' | 'invitation';

export async function insertAccountToken(db: Db, token: { user_id: number; purpose: TokenPurpose; token_hash: string; expires_at: Date }): Promise<void> {
  await db('account_tokens').insert(token);
}

/** Claims a token atomically: a second use of the same link finds nothing. */
export async function claimAccountToken(db: Db, purpose: TokenPurpose, tokenHash: string): Promise<{ user_id: number } | undefined> {
  const [row] = await db('account_tokens')
    .where({ purpose, token_hash: tokenHash })
    .whereNull('used_at')
    .where('expires_at', '>', db.fn.now())
    .update({ used_at: db.fn.now() })
    .returning('user_id');
  return row as { user_id: number } | undefined;
}

export async function findUsableAccountToken(db: Db, purpose: TokenPurpose, tokenHash: string): Promise<{ user_id: number } | undefined> {
  return db('account_tokens')
    .select('user_id')
    .where({ purpose, token_hash: tokenHash })
    .whereNull('used_at')
    .where('expires_at', '>', db.fn.now())
    .first();
}

export async function expireAccountTokens(db: Db, userId: number, purposes: TokenPurpose[]): Promise<void> {
  await db('account_tokens').where('user_id', userId).whereIn('purpose', purposes).whereNull('used_at').update({ used_at: db.fn.now() });
}

export type ResetRequestRow = { id: number; email: string; actor_ip: string | null; request_id: string | null };

export async function insertResetRequest(db: Db, request: Omit<ResetRequestRow, 'id'>): Promise<void> {
  await db('password_reset_requests').insert(request);
}

/** Takes the oldest open request out of the table; another instance skips it while this transaction runs. */
export async function claimResetRequest(trx: Knex.Transaction): Promise<ResetRequestRow | undefined> {
  const result = await trx.raw<{ rows: ResetRequestRow[] }>(
    `DELETE FROM password_reset_requests
      WHERE id = (SELECT id FROM password_reset_requests ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
      RETURNING id, email, actor_ip, request_id`,
  );
  return result.rows[0];
}
