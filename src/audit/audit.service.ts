import type { Knex } from 'knex';
import type { Request } from 'express';
import { contactsOf, findContactByEmail, type Contact } from '../accounts/contacts.service';
import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import type { Database } from '../db/database';
import { parseBerlinLocal } from '../shared/format';
import { insertAuditEvent, selectAuditEvents, selectAuditLogPage, type AuditCursor, type AuditRow } from './audit.queries';
import type { AuditFilterInput } from './audit.schemas';

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

export const AUDIT_PAGE_SIZE = 50;

export type AuditLogPage = {
  rows: AuditRow[];
  /** Who acted on this page's entries, read in one query for the page. */
  actors: Map<number, Contact>;
  /** Cursor of the next older page (the last entry shown), null on the oldest page. */
  olderThan: number | null;
  /** Cursor of the next newer page (the first entry shown), null on the newest page; 0: the newest page itself. */
  newerThan: number | null;
};

export type AuditLogResult = { ok: true; page: AuditLogPage } | { ok: false; errors: Record<string, string> };

/** "2026-11-30" → "2026-12-01": the "to" day is inclusive, so the period ends at the next Berlin midnight. */
function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/**
 * The audit trail as a page for administration: newest first, 50 at a time by keyset (the
 * trail is append-only and never shrinks, so offsets and totals would only get slower).
 * At most five statements including the session: the actor's address, the page (twice when
 * "newer" reaches the top) and the actors' names.
 */
export function createAuditLog(db: Database) {
  return {
    async page(user: SessionUser, input: AuditFilterInput): Promise<AuditLogResult> {
      assertCan(user, 'audit.view');
      let actorUserId: number | null = null;
      if (input.actor !== undefined) {
        const contact = await findContactByEmail(db, input.actor);
        if (!contact) return { ok: false, errors: { actor: 'audit.errors.actorUnknown' } };
        actorUserId = contact.id;
      }
      const filter = {
        action: input.action ?? null,
        actorUserId,
        subjectType: input.subjectType ?? null,
        subjectId: input.subjectId ?? null,
        from: input.from ? parseBerlinLocal(`${input.from}T00:00`) : null,
        until: input.to ? parseBerlinLocal(`${nextDay(input.to)}T00:00`) : null,
      };
      const cursor: AuditCursor = input.after !== null ? { after: input.after } : input.before !== null ? { before: input.before } : null;
      let rows = await selectAuditLogPage(db, filter, cursor, AUDIT_PAGE_SIZE + 1);
      let hasNewer = cursor !== null;
      let hasOlder: boolean;
      if (cursor && 'after' in cursor) {
        if (rows.length > AUDIT_PAGE_SIZE) {
          rows = rows.slice(0, AUDIT_PAGE_SIZE).reverse();
          hasOlder = true;
        } else {
          // Fewer than a page is newer: that is the newest page, shown whole.
          rows = await selectAuditLogPage(db, filter, null, AUDIT_PAGE_SIZE + 1);
          hasNewer = false;
          hasOlder = rows.length > AUDIT_PAGE_SIZE;
          rows = rows.slice(0, AUDIT_PAGE_SIZE);
        }
      } else {
        hasOlder = rows.length > AUDIT_PAGE_SIZE;
        rows = rows.slice(0, AUDIT_PAGE_SIZE);
      }
      const actorIds = [...new Set(rows.map((row) => row.actor_user_id).filter((id): id is number => id !== null))];
      const actors = await contactsOf(db, actorIds);
      return {
        ok: true,
        page: {
          rows,
          actors,
          olderThan: hasOlder ? (rows.at(-1)?.id ?? null) : null,
          newerThan: hasNewer ? (rows[0]?.id ?? 0) : null,
        },
      };
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
