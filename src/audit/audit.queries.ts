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

/** Subject types that belong to a programme (the programme itself, or through an offering or a module). */
export const PROGRAMME_SUBJECT_TYPES = ['programme', 'module', 'offering', 'session', 'attendance', 'excuse', 'enrollment', 'certificate', 'material', 'signed_sheet'] as const;

export type AuditLogFilter = {
  action: string | null;
  actorUserId: number | null;
  subjectType: string | null;
  subjectId: string | null;
  /** Instants: from inclusive, until exclusive (the day after the "to" date, Berlin midnight). */
  from: Date | null;
  until: Date | null;
  /** Entries about this offering: the offering, its sessions, enrollments, attendance, excuses, certificates, materials, signed sheets. */
  offeringId: number | null;
  /** The same for every offering whose title contains this text (case-insensitive). */
  offeringTitle: string | null;
  /**
   * 'all': the whole trail (administration). 'programmes': only entries whose subject belongs
   * to a programme; accounts, logins, roles, organisations and privacy runs never resolve to one.
   * Every coordinator manages every programme today; a per-programme assignment would narrow
   * `subj.programme_id` here.
   */
  scope: 'all' | 'programmes';
};

/** Where to start reading: entries older than `before`, or newer than `after`; neither: the newest. */
export type AuditCursor = { before: number } | { after: number } | null;

const AUDIT_COLUMNS = ['e.id', 'e.occurred_at', 'e.actor_user_id', 'e.action', 'e.subject_type', 'e.subject_id', 'e.before', 'e.after', 'e.ip', 'e.request_id'];

/**
 * Subject → offering → programme for each entry, set-based in the page's one statement and
 * only through read models the owners publish (migrations 20261212140000, 20261212170000,
 * 20261212240000). Subject ids are text ("12", or "session:user" for attendance); a value
 * that is no number resolves to nothing instead of failing the cast. A subject whose row is
 * gone (a deleted session, an enrollment past retention) falls back to the offering the
 * entry itself names (`offeringId` in before/after); the lookups rank first.
 */
const SUBJECT_PROGRAMME = `
  CROSS JOIN LATERAL (
    SELECT CASE WHEN e.subject_id ~ '^[0-9]{1,9}$' THEN e.subject_id::int END AS num,
           CASE WHEN e.subject_id ~ '^[0-9]{1,9}:[0-9]{1,9}$' THEN split_part(e.subject_id, ':', 1)::int END AS session_num,
           CASE WHEN coalesce(e.after ->> 'offeringId', e.before ->> 'offeringId') ~ '^[0-9]{1,9}$'
                THEN coalesce(e.after ->> 'offeringId', e.before ->> 'offeringId')::int END AS noted_offering
  ) k
  LEFT JOIN LATERAL (
    SELECT resolved.offering_id, resolved.programme_id FROM (
      SELECT 1 AS rank, NULL::int AS offering_id, k.num AS programme_id WHERE e.subject_type = 'programme'
      UNION ALL SELECT 1, NULL, mp.programme_id FROM catalog_module_programmes mp WHERE e.subject_type = 'module' AND mp.module_id = k.num
      UNION ALL SELECT 1, o.offering_id, o.programme_id FROM catalog_offering_titles o WHERE e.subject_type = 'offering' AND o.offering_id = k.num
      UNION ALL SELECT 1, s.offering_id, s.programme_id FROM catalog_session_schedule s WHERE e.subject_type = 'session' AND s.session_id = k.num
      UNION ALL SELECT 1, s.offering_id, s.programme_id FROM catalog_session_schedule s WHERE e.subject_type = 'attendance' AND s.session_id = k.session_num
      UNION ALL SELECT 1, s.offering_id, s.programme_id FROM attendance_excuse_sessions x JOIN catalog_session_schedule s ON s.session_id = x.session_id WHERE e.subject_type = 'excuse' AND x.excuse_id = k.num
      UNION ALL SELECT 1, s.offering_id, s.programme_id FROM attendance_signed_sheet_sessions x JOIN catalog_session_schedule s ON s.session_id = x.session_id WHERE e.subject_type = 'signed_sheet' AND x.signed_sheet_id = k.num
      UNION ALL SELECT 1, o.offering_id, o.programme_id FROM enrollment_statuses en JOIN catalog_offering_titles o ON o.offering_id = en.offering_id WHERE e.subject_type = 'enrollment' AND en.enrollment_id = k.num
      UNION ALL SELECT 1, c.offering_id, c.programme_id FROM certificates_offerings c WHERE e.subject_type = 'certificate' AND c.certificate_id = k.num
      UNION ALL SELECT 1, s.offering_id, s.programme_id FROM materials_placements m JOIN catalog_session_schedule s ON s.session_id = m.session_id WHERE e.subject_type = 'material' AND m.material_id = k.num
      UNION ALL SELECT 1, NULL, mp.programme_id FROM materials_placements m JOIN catalog_module_programmes mp ON mp.module_id = m.module_id WHERE e.subject_type = 'material' AND m.material_id = k.num
      UNION ALL SELECT 2, o.offering_id, o.programme_id FROM catalog_offering_titles o
       WHERE e.subject_type IN (${PROGRAMME_SUBJECT_TYPES.map((type) => `'${type}'`).join(', ')}) AND o.offering_id = k.noted_offering
    ) resolved
    ORDER BY resolved.rank
    LIMIT 1
  ) subj ON true`;

/** `%` and `_` typed into the title search are letters, not wildcards. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/**
 * One page of the trail in keyset order: `limit` entries (the caller asks one more than it
 * shows, to know whether there is another page) older than `before` newest first, or newer
 * than `after` oldest first (the caller turns them round). No count over the whole table:
 * it grows without end. Every filter is an equality or range an index ending in `id` covers
 * (migration 20261212200000), so a page costs the same at any size of the trail. The
 * programme scope and the offering filter add the subject lookups above, primary-key
 * look-ups per entry read, in the same statement. The export reads its batches here too.
 */
export async function selectAuditLogPage(db: Knex, filter: AuditLogFilter, cursor: AuditCursor, limit: number): Promise<AuditRow[]> {
  const query = db('audit_events as e').select(AUDIT_COLUMNS).limit(limit);
  if (filter.scope === 'programmes' || filter.offeringId !== null || filter.offeringTitle !== null) {
    query.joinRaw(SUBJECT_PROGRAMME);
    if (filter.scope === 'programmes') query.whereNotNull('subj.programme_id').whereIn('e.subject_type', PROGRAMME_SUBJECT_TYPES);
    if (filter.offeringId !== null) query.where('subj.offering_id', filter.offeringId);
    if (filter.offeringTitle !== null) query.whereIn('subj.offering_id', db('catalog_offering_titles').select('offering_id').whereILike('title', containsPattern(filter.offeringTitle)));
  }
  if (filter.action !== null) query.where('e.action', filter.action);
  if (filter.actorUserId !== null) query.where('e.actor_user_id', filter.actorUserId);
  if (filter.subjectType !== null) query.where('e.subject_type', filter.subjectType);
  if (filter.subjectId !== null) query.where('e.subject_id', filter.subjectId);
  if (filter.from !== null) query.where('e.occurred_at', '>=', filter.from);
  if (filter.until !== null) query.where('e.occurred_at', '<', filter.until);
  if (cursor && 'after' in cursor) query.where('e.id', '>', cursor.after).orderBy('e.id', 'asc');
  else {
    if (cursor) query.where('e.id', '<', cursor.before);
    query.orderBy('e.id', 'desc');
  }
  return query;
}
