import type { Knex } from 'knex';
import type { Request } from 'express';
import { contactsOf, findContactByEmail, type Contact } from '../accounts/contacts.service';
import { assertCan, can } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import type { Database } from '../db/database';
import { parseBerlinLocal } from '../shared/format';
import { insertAuditEvent, selectAuditEvents, selectAuditLogPage, type AuditCursor, type AuditLogFilter, type AuditRow } from './audit.queries';
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

/** Rows the export reads per statement: bounded memory however long the trail. */
export const AUDIT_EXPORT_BATCH = 1000;
/** At most this many rows go into one file; the file then says so and asks for a narrower filter. */
export const AUDIT_EXPORT_MAX_ROWS = 50_000;

export type AuditExportBatch = { rows: AuditRow[]; actors: Map<number, Contact> };

/**
 * Administration reads the whole trail; coordination only the entries about programmes
 * (offerings, sessions, enrollments, attendance, excuses, certificates, materials, signed
 * sheets, modules, the programme itself), never accounts, logins, roles or privacy runs.
 */
function scopeOf(user: SessionUser): AuditLogFilter['scope'] {
  if (can(user, 'audit.view')) return 'all';
  assertCan(user, 'audit.viewProgrammes');
  return 'programmes';
}

/**
 * The audit trail as a page: newest first, 50 at a time by keyset (the trail is append-only
 * and never shrinks, so offsets and totals would only get slower). At most five statements
 * including the session: the actor's address, the page (twice when "newer" reaches the top)
 * and the actors' names.
 */
export function createAuditLog(db: Database) {
  /** The typed filter as the queries take it; an unknown actor address is an input error. */
  async function filterOf(user: SessionUser, input: AuditFilterInput): Promise<{ ok: true; filter: AuditLogFilter } | { ok: false; errors: Record<string, string> }> {
    const scope = scopeOf(user);
    let actorUserId: number | null = null;
    if (input.actor !== undefined) {
      const contact = await findContactByEmail(db, input.actor);
      if (!contact) return { ok: false, errors: { actor: 'audit.errors.actorUnknown' } };
      actorUserId = contact.id;
    }
    const offeringById = input.offering !== undefined && /^[1-9]\d{0,8}$/.test(input.offering);
    return {
      ok: true,
      filter: {
        action: input.action ?? null,
        actorUserId,
        subjectType: input.subjectType ?? null,
        subjectId: input.subjectId ?? null,
        from: input.from ? parseBerlinLocal(`${input.from}T00:00`) : null,
        until: input.to ? parseBerlinLocal(`${nextDay(input.to)}T00:00`) : null,
        offeringId: offeringById ? Number(input.offering) : null,
        offeringTitle: input.offering !== undefined && !offeringById ? input.offering : null,
        scope,
      },
    };
  }

  return {
    async page(user: SessionUser, input: AuditFilterInput): Promise<AuditLogResult> {
      const resolved = await filterOf(user, input);
      if (!resolved.ok) return resolved;
      const { filter } = resolved;
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

    /**
     * The entries of the same filter as the page, newest first, read by keyset over id in
     * batches with the batch's actors, so an export of any length holds one batch in memory.
     * Stops after `AUDIT_EXPORT_MAX_ROWS` (the caller learns it from `truncated`).
     */
    async export(user: SessionUser, input: AuditFilterInput): Promise<{ ok: true; batches: AsyncGenerator<AuditExportBatch>; truncated: () => boolean } | { ok: false; errors: Record<string, string> }> {
      const resolved = await filterOf(user, input);
      if (!resolved.ok) return resolved;
      const { filter } = resolved;
      let cut = false;
      async function* batches(): AsyncGenerator<AuditExportBatch> {
        let before: number | null = null;
        let written = 0;
        for (;;) {
          const want = Math.min(AUDIT_EXPORT_BATCH, AUDIT_EXPORT_MAX_ROWS - written);
          const rows = await selectAuditLogPage(db, filter, before === null ? null : { before }, want + 1);
          const shown = rows.slice(0, want);
          if (shown.length > 0) {
            written += shown.length;
            const actorIds = [...new Set(shown.map((row) => row.actor_user_id).filter((id): id is number => id !== null))];
            yield { rows: shown, actors: await contactsOf(db, actorIds) };
          }
          if (rows.length <= want) return;
          if (written >= AUDIT_EXPORT_MAX_ROWS) {
            cut = true;
            return;
          }
          before = shown.at(-1)!.id;
        }
      }
      return { ok: true, batches: batches(), truncated: () => cut };
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
