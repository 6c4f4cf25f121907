import type { Knex } from 'knex';
import type { Request } from 'express';
import { insertAuditEvent, selectAuditEvents } from './audit.queries';

/** Who did something, from where: taken from the request by the route, passed into services. */
export type Actor = { userId: number | null; ip: string | null; requestId: string | null };

export function actorOf(req: Request): Actor {
  const requestId = (req as { id?: unknown }).id;
  return { userId: req.user?.id ?? null, ip: req.ip ?? null, requestId: typeof requestId === 'string' ? requestId : null };
}

export const systemActor: Actor = { userId: null, ip: null, requestId: null };

export type AuditEntry = {
  action: string;
  subjectType?: string;
  subjectId?: string | number;
  before?: unknown;
  after?: unknown;
};

/**
 * Appends to the audit trail. Pass the transaction of the change being recorded, so the
 * entry exists exactly when the change does.
 */
export async function recordAudit(db: Knex | Knex.Transaction, actor: Actor, entry: AuditEntry): Promise<void> {
  await insertAuditEvent(db, {
    actor_user_id: actor.userId,
    action: entry.action,
    subject_type: entry.subjectType ?? null,
    subject_id: entry.subjectId === undefined ? null : String(entry.subjectId),
    before: entry.before ?? null,
    after: entry.after ?? null,
    ip: actor.ip,
    request_id: actor.requestId,
  });
}

export async function listAuditEvents(db: Knex, filter: { subjectType?: string; subjectId?: string; actorUserId?: number; limit?: number }) {
  return selectAuditEvents(db, { ...filter, limit: filter.limit ?? 100 });
}
