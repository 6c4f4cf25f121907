import type { Knex } from 'knex';
import type { SessionUser } from './roles';

type Db = Knex | Knex.Transaction;

export type StoredSession = { sess: Record<string, unknown>; user: SessionUser | null };

/**
 * The session and its logged-in user in one statement: every page view of a logged-in
 * person needs both, so they are read together. Only active accounts yield a user; a
 * deactivated account's session comes back without one (and counts as logged out).
 * `expire` is a timestamp without time zone written through to_timestamp(), so it is
 * compared the same way.
 */
export async function findSessionWithUser(db: Db, sid: string): Promise<StoredSession | undefined> {
  const { rows } = await db.raw<{ rows: Array<{ sess: Record<string, unknown>; id: number | null } & Record<string, unknown>> }>(
    `SELECT s.sess, u.id, u.email, u.first_name, u.last_name, u.role, u.locale, u.organisation_id
       FROM http_sessions s
       LEFT JOIN users u
         ON u.active AND u.id = CASE WHEN (s.sess -> 'passport' ->> 'user') ~ '^[0-9]{1,18}$' THEN (s.sess -> 'passport' ->> 'user')::bigint END
      WHERE s.sid = ? AND s.expire >= to_timestamp(?)`,
    [sid, Date.now() / 1000],
  );
  const row = rows[0];
  if (!row) return undefined;
  const user: SessionUser | null =
    row.id === null
      ? null
      : {
          id: Number(row.id),
          email: row.email as string,
          firstName: row.first_name as string,
          lastName: row.last_name as string,
          role: row.role as SessionUser['role'],
          locale: row.locale as SessionUser['locale'],
          organisationId: (row.organisation_id as number | null) ?? null,
        };
  return { sess: row.sess, user };
}

export async function saveSession(db: Db, sid: string, sess: unknown, expiresAt: Date): Promise<void> {
  await db.raw(
    `INSERT INTO http_sessions (sid, sess, expire) VALUES (?, ?, to_timestamp(?))
     ON CONFLICT (sid) DO UPDATE SET sess = EXCLUDED.sess, expire = EXCLUDED.expire`,
    [sid, JSON.stringify(sess), expiresAt.getTime() / 1000],
  );
}

export async function deleteSession(db: Db, sid: string): Promise<void> {
  await db('http_sessions').where('sid', sid).delete();
}

/** Sessions past their expiry; the store already ignores them, this frees their rows. */
export async function deleteExpiredSessions(db: Db): Promise<number> {
  return db('http_sessions').whereRaw('expire < to_timestamp(?)', [Date.now() / 1000]).delete();
}
