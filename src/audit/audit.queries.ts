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
