import type { Knex } from 'knex';

export type AuditRow = {
  id: number;
  occurred_at: Date;
  actor_user_id: number | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  request_id: string | null;
};

export type NewAuditRow = Omit<AuditRow, 'id' | 'occurred_at'>;

export async function insertAuditEvent(db: Knex | Knex.Transaction, row: NewAuditRow): Promise<void> {
  await db('audit_events').insert({
    ...row,
    before: row.before === null || row.before === undefined ? null : JSON.stringify(row.before),
    after: row.after === null || row.after === undefined ? null : JSON.stringify(row.after),
  });
}

export async function selectAuditEvents(
  db: Knex,
  filter: { subjectType?: string; subjectId?: string; actorUserId?: number; limit: number },
): Promise<AuditRow[]> {
  const query = db('audit_events')
    .select('id', 'occurred_at', 'actor_user_id', 'action', 'subject_type', 'subject_id', 'before', 'after', 'ip', 'request_id')
    .orderBy('id', 'desc')
    .limit(filter.limit);
  if (filter.subjectType) query.where('subject_type', filter.subjectType);
  if (filter.subjectId) query.where('subject_id', filter.subjectId);
  if (filter.actorUserId) query.where('actor_user_id', filter.actorUserId);
  return query;
}

export type AuditLogFilter = {
  action: string | null;
  actorUserId: number | null;
  subjectType: string | null;
  subjectId: string | null;
  /** Instants: from inclusive, until exclusive (the day after the "to" date, Berlin midnight). */
  from: Date | null;
  until: Date | null;
};

/** Where to start reading: entries older than `before`, or newer than `after`; neither: the newest. */
export type AuditCursor = { before: number } | { after: number } | null;

/**
 * One page of the trail in keyset order: `limit` entries (the caller asks one more than it
 * shows, to know whether there is another page) older than `before` newest first, or newer
 * than `after` oldest first (the caller turns them round). No count over the whole table:
 * it grows without end. Every filter is an equality or range an index ending in `id` covers
 * (migration 20261212200000), so a page costs the same at any size of the trail.
 */
export async function selectAuditLogPage(db: Knex, filter: AuditLogFilter, cursor: AuditCursor, limit: number): Promise<AuditRow[]> {
  const query = db('audit_events').select('id', 'occurred_at', 'actor_user_id', 'action', 'subject_type', 'subject_id', 'before', 'after', 'ip', 'request_id').limit(limit);
  if (filter.action !== null) query.where('action', filter.action);
  if (filter.actorUserId !== null) query.where('actor_user_id', filter.actorUserId);
  if (filter.subjectType !== null) query.where('subject_type', filter.subjectType);
  if (filter.subjectId !== null) query.where('subject_id', filter.subjectId);
  if (filter.from !== null) query.where('occurred_at', '>=', filter.from);
  if (filter.until !== null) query.where('occurred_at', '<', filter.until);
  if (cursor && 'after' in cursor) query.where('id', '>', cursor.after).orderBy('id', 'asc');
  else {
    if (cursor) query.where('id', '<', cursor.before);
    query.orderBy('id', 'desc');
  }
  return query;
}
