import type { Knex } from 'knex';
import type { FileKind } from './file-types';

type Db = Knex | Knex.Transaction;

export type Visibility = 'enrolled' | 'trainers' | 'public';
export const VISIBILITIES: Visibility[] = ['enrolled', 'trainers', 'public'];

/*
 * Who may see a material depends on enrollments and teaching assignments. These are read
 * here together with the materials in one query each (read-only joins on the catalog and
 * enrollment tables), so a list page costs a fixed number of queries, not one per row.
 */

export type OfferingContext = {
  id: number;
  title: string;
  status: 'draft' | 'published' | 'cancelled';
  programme_id: number;
  programme_title: string;
  programme_kind: 'series' | 'workshop' | 'event';
  viewer_confirmed: boolean;
  viewer_teaches: boolean;
};

/** The offering, and whether the viewer has a confirmed seat in it or teaches one of its sessions. */
export async function selectOfferingContext(db: Db, offeringId: number, viewerId: number | null): Promise<OfferingContext | undefined> {
  const result = await db.raw<{ rows: OfferingContext[] }>(
    `SELECT o.id, o.title, o.status, o.programme_id, p.title AS programme_title, p.kind AS programme_kind,
            EXISTS (SELECT 1 FROM enrollments e
                     WHERE e.offering_id = o.id AND e.user_id = :viewerId AND e.status = 'confirmed') AS viewer_confirmed,
            EXISTS (SELECT 1 FROM offering_sessions s JOIN session_trainers st ON st.session_id = s.id
                     WHERE s.offering_id = o.id AND st.user_id = :viewerId) AS viewer_teaches
       FROM offerings o
       JOIN programmes p ON p.id = o.programme_id
      WHERE o.id = :offeringId`,
    { offeringId, viewerId },
  );
  return result.rows[0];
}

export type SessionTarget = {
  id: number;
  starts_at: Date;
  ends_at: Date;
  module_id: number | null;
  module_position: number | null;
  module_title: string | null;
  viewer_teaches: boolean;
};

export async function selectSessionsOfOffering(db: Db, offeringId: number, viewerId: number | null): Promise<SessionTarget[]> {
  const result = await db.raw<{ rows: SessionTarget[] }>(
    `SELECT s.id, s.starts_at, s.ends_at, s.module_id, md.position AS module_position, md.title AS module_title,
            EXISTS (SELECT 1 FROM session_trainers st WHERE st.session_id = s.id AND st.user_id = :viewerId) AS viewer_teaches
       FROM offering_sessions s
       LEFT JOIN modules md ON md.id = s.module_id
      WHERE s.offering_id = :offeringId
      ORDER BY s.starts_at, s.id`,
    { offeringId, viewerId },
  );
  return result.rows;
}

export type ModuleTarget = { id: number; position: number; title: string; viewer_teaches: boolean };

/** Modules of a programme; a trainer "teaches" a module when they teach one of its sessions in any cohort. */
export async function selectModulesOfProgramme(db: Db, programmeId: number, viewerId: number | null): Promise<ModuleTarget[]> {
  const result = await db.raw<{ rows: ModuleTarget[] }>(
    `SELECT md.id, md.position, md.title,
            EXISTS (SELECT 1 FROM offering_sessions s JOIN session_trainers st ON st.session_id = s.id
                     WHERE s.module_id = md.id AND st.user_id = :viewerId) AS viewer_teaches
       FROM modules md
      WHERE md.programme_id = :programmeId
      ORDER BY md.position`,
    { programmeId, viewerId },
  );
  return result.rows;
}

export type MaterialListRow = {
  id: number;
  module_id: number | null;
  session_id: number | null;
  title: string;
  description: string;
  visibility: Visibility;
  version: number;
  original_name: string;
  size_bytes: number;
  content_type: string;
  file_kind: FileKind;
  uploaded_at: Date;
  uploaded_by: number;
};

/** A page of an offering's materials, with how many there are in all and where the page starts. */
export type MaterialListPage = { rows: MaterialListRow[]; total: number; offset: number };

/**
 * Materials shown with an offering (those of its sessions and those of its programme's
 * modules), a page at a time in the order the page groups them: by module (its own
 * materials first, then those of its sessions by date), then the sessions without a module
 * by date; within that, oldest upload first. One statement: the count, the page (an offset
 * past the end shows the last page) and each listed material's current version.
 */
export async function selectMaterialsOfOffering(db: Db, offering: { id: number; programme_id: number }, visibilities: Visibility[], window: { limit: number; offset: number }): Promise<MaterialListPage> {
  if (visibilities.length === 0) return { rows: [], total: 0, offset: 0 };
  const result = await db.raw<{ rows: (MaterialListRow & { total: number; page_offset: number })[] }>(
    `WITH shown AS (
       SELECT m.id, m.created_at, gm.position AS group_position, gm.id AS group_module_id, s.starts_at AS session_starts_at, s.id AS session_id
         FROM materials m
         LEFT JOIN offering_sessions s ON s.id = m.session_id
         LEFT JOIN modules gm ON gm.id = coalesce(m.module_id, s.module_id)
        WHERE m.deleted_at IS NULL
          AND m.visibility = ANY(:visibilities)
          AND (s.offering_id = :offeringId OR m.module_id IN (SELECT id FROM modules WHERE programme_id = :programmeId))
     ), counted AS (
       SELECT count(*)::int AS total, LEAST(:offset::int, GREATEST(count(*)::int - 1, 0) / :limit::int * :limit::int) AS page_offset FROM shown
     ), page AS (
       SELECT shown.id,
              row_number() OVER (ORDER BY group_position NULLS LAST, group_module_id,
                                          CASE WHEN group_module_id IS NULL THEN session_starts_at END, CASE WHEN group_module_id IS NULL THEN session_id END,
                                          session_starts_at NULLS FIRST, created_at, id) AS place
         FROM shown
        ORDER BY place
        LIMIT :limit OFFSET (SELECT page_offset FROM counted)
     )
     SELECT m.id, m.module_id, m.session_id, m.title, m.description, m.visibility,
            v.version, v.original_name, v.size_bytes, v.content_type, v.file_kind, v.uploaded_at, v.uploaded_by,
            counted.total, counted.page_offset
       FROM page
       JOIN materials m ON m.id = page.id
       CROSS JOIN counted
       JOIN LATERAL (SELECT version, original_name, size_bytes, content_type, file_kind, uploaded_at, uploaded_by
                       FROM material_versions
                      WHERE material_id = m.id
                      ORDER BY version DESC
                      LIMIT 1) v ON true
      ORDER BY page.place`,
    { offeringId: offering.id, programmeId: offering.programme_id, visibilities, limit: window.limit, offset: window.offset },
  );
  const first = result.rows[0];
  const rows = result.rows.map(({ total: _total, page_offset: _offset, ...row }) => row);
  return { rows, total: first?.total ?? 0, offset: first?.page_offset ?? 0 };
}

export type MaterialAccess = {
  id: number;
  module_id: number | null;
  session_id: number | null;
  title: string;
  description: string;
  visibility: Visibility;
  deleted: boolean;
  created_at: Date;
  /** Has a confirmed seat in an offering the material is shown in. */
  viewer_confirmed: boolean;
  /** Teaches a session in an offering the material is shown in. */
  viewer_teaches: boolean;
  /** Teaches the material's session, or a session of the material's module (any cohort). */
  viewer_manages: boolean;
  /** At least one offering the material is shown in is not a draft. */
  shown_published: boolean;
  /** Offerings the material is shown in. */
  offering_ids: number[];
};

/**
 * One material with everything needed to decide what the viewer may do with it. A
 * session's material is shown in the session's offering; a module's material in every
 * offering (cohort) of the module's programme.
 */
export async function selectMaterialAccess(db: Db, materialId: number, viewerId: number | null): Promise<MaterialAccess | undefined> {
  const result = await db.raw<{ rows: MaterialAccess[] }>(
    `WITH material AS (
       SELECT id, module_id, session_id, title, description, visibility, deleted_at IS NOT NULL AS deleted, created_at
         FROM materials WHERE id = :materialId
     ), shown_in AS (
       SELECT s.offering_id FROM offering_sessions s JOIN material m ON m.session_id = s.id
       UNION
       SELECT o.id FROM offerings o JOIN modules md ON md.programme_id = o.programme_id JOIN material m ON m.module_id = md.id
     )
     SELECT m.*,
            EXISTS (SELECT 1 FROM enrollments e
                     WHERE e.offering_id IN (SELECT offering_id FROM shown_in) AND e.user_id = :viewerId AND e.status = 'confirmed') AS viewer_confirmed,
            EXISTS (SELECT 1 FROM offering_sessions s JOIN session_trainers st ON st.session_id = s.id
                     WHERE s.offering_id IN (SELECT offering_id FROM shown_in) AND st.user_id = :viewerId) AS viewer_teaches,
            EXISTS (SELECT 1 FROM offering_sessions s JOIN session_trainers st ON st.session_id = s.id
                     WHERE st.user_id = :viewerId AND (s.id = m.session_id OR s.module_id = m.module_id)) AS viewer_manages,
            EXISTS (SELECT 1 FROM offerings o WHERE o.id IN (SELECT offering_id FROM shown_in) AND o.status <> 'draft') AS shown_published,
            coalesce((SELECT array_agg(offering_id ORDER BY offering_id) FROM shown_in), '{}') AS offering_ids
       FROM material m`,
    { materialId, viewerId },
  );
  return result.rows[0];
}

export type VersionRow = {
  id: number;
  material_id: number;
  version: number;
  storage_key: string;
  original_name: string;
  size_bytes: number;
  sha256: string;
  content_type: string;
  file_kind: FileKind;
  uploaded_by: number;
  uploaded_at: Date;
  uploader_name: string;
};

const versionColumns = [
  'material_versions.id',
  'material_versions.material_id',
  'material_versions.version',
  'material_versions.storage_key',
  'material_versions.original_name',
  'material_versions.size_bytes',
  'material_versions.sha256',
  'material_versions.content_type',
  'material_versions.file_kind',
  'material_versions.uploaded_by',
  'material_versions.uploaded_at',
];

function versionsWithUploader(db: Db) {
  return db('material_versions')
    .join('users', 'users.id', 'material_versions.uploaded_by')
    .select(...versionColumns, db.raw("users.first_name || ' ' || users.last_name AS uploader_name"));
}

/** Newest first. */
export async function selectVersions(db: Db, materialId: number): Promise<VersionRow[]> {
  return versionsWithUploader(db).where('material_versions.material_id', materialId).orderBy('material_versions.version', 'desc');
}

/** The given version, or the current (highest) one. */
export async function selectVersion(db: Db, materialId: number, version?: number): Promise<VersionRow | undefined> {
  const query = versionsWithUploader(db).where('material_versions.material_id', materialId);
  if (version !== undefined) query.where('material_versions.version', version);
  return query.orderBy('material_versions.version', 'desc').first();
}

export type NewMaterial = { module_id: number | null; session_id: number | null; title: string; description: string; visibility: Visibility; created_by: number };
export type NewVersion = {
  storage_key: string;
  original_name: string;
  size_bytes: number;
  sha256: string;
  content_type: string;
  file_kind: FileKind;
  uploaded_by: number;
};

export async function insertMaterial(trx: Knex.Transaction, material: NewMaterial): Promise<number> {
  const [row] = await trx('materials').insert(material).returning('id');
  return (row as { id: number }).id;
}

/** Locks the material for adding a version or deleting it; undefined when it is gone or deleted. */
export async function lockLiveMaterial(trx: Knex.Transaction, materialId: number): Promise<{ id: number; title: string; visibility: Visibility } | undefined> {
  return trx('materials').select('id', 'title', 'visibility').where('id', materialId).whereNull('deleted_at').forUpdate().first();
}

export async function insertVersion(trx: Knex.Transaction, materialId: number, version: NewVersion): Promise<number> {
  const [row] = await trx('material_versions')
    .insert({
      material_id: materialId,
      version: trx.raw('(SELECT coalesce(max(version), 0) + 1 FROM material_versions WHERE material_id = ?)', [materialId]),
      ...version,
    })
    .returning('version');
  await trx('materials').where('id', materialId).update({ updated_at: trx.fn.now() });
  return (row as { version: number }).version;
}

export async function markDeleted(trx: Knex.Transaction, materialId: number, deletedBy: number): Promise<void> {
  await trx('materials').where('id', materialId).update({ deleted_at: trx.fn.now(), deleted_by: deletedBy, updated_at: trx.fn.now() });
}

/** Records this visit and returns the previous one (null on the first visit). */
export async function swapLastVisit(db: Db, userId: number, offeringId: number): Promise<Date | null> {
  const result = await db.raw<{ rows: { visited_at: Date }[] }>(
    `WITH previous AS (
       SELECT visited_at FROM material_visits WHERE user_id = :userId AND offering_id = :offeringId
     ), recorded AS (
       INSERT INTO material_visits (user_id, offering_id, visited_at) VALUES (:userId, :offeringId, now())
       ON CONFLICT (user_id, offering_id) DO UPDATE SET visited_at = EXCLUDED.visited_at
     )
     SELECT visited_at FROM previous`,
    { userId, offeringId },
  );
  return result.rows[0]?.visited_at ?? null;
}

/** Which of these storage keys a version row points to. */
export async function selectKeysInUse(db: Db, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows: { storage_key: string }[] = await db('material_versions').select('storage_key').whereIn('storage_key', keys);
  return new Set(rows.map((row) => row.storage_key));
}
