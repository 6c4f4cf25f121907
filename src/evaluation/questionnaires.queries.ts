import type { Knex } from 'knex';
import type { ItemContent } from './questionnaires.model';

type Db = Knex | Knex.Transaction;

export type QuestionnaireRow = { id: number; title: string; archived_at: Date | null; created_at: Date };
export type VersionRow = { id: number; questionnaire_id: number; version: number; title: string; introduction: string; in_use_since: Date | null };
export type ItemRow = {
  id: number;
  version_id: number;
  position: number;
  kind: ItemContent['kind'];
  prompt: string;
  required: boolean;
  scale_low_label: string | null;
  scale_high_label: string | null;
  options: string[];
  item_key: string;
};
export type QuestionnaireListRow = { id: number; title: string; archived_at: Date | null; version: number; in_use: boolean; item_count: number };

const VERSION_COLUMNS = ['id', 'questionnaire_id', 'version', 'title', 'introduction', 'in_use_since'];
const ITEM_COLUMNS = ['id', 'version_id', 'position', 'kind', 'prompt', 'required', 'scale_low_label', 'scale_high_label', 'options', 'item_key'];

/** One page of the list with each questionnaire's latest version, in one statement (count included). */
export async function selectQuestionnairePage(db: Db, filter: { archived: boolean; limit: number; offset: number }): Promise<{ rows: QuestionnaireListRow[]; total: number }> {
  const result = await db.raw(
    `SELECT q.id, q.title, q.archived_at, latest.version,
            EXISTS (SELECT 1 FROM questionnaire_versions used WHERE used.questionnaire_id = q.id AND used.in_use_since IS NOT NULL) AS in_use,
            (SELECT count(*)::int FROM questionnaire_items i WHERE i.version_id = latest.id) AS item_count,
            count(*) OVER ()::int AS total
       FROM questionnaires q
       CROSS JOIN LATERAL (SELECT v.id, v.version FROM questionnaire_versions v WHERE v.questionnaire_id = q.id ORDER BY v.version DESC LIMIT 1) latest
      WHERE (q.archived_at IS NOT NULL) = ?
      ORDER BY q.title COLLATE german, q.id
      LIMIT ? OFFSET ?`,
    [filter.archived, filter.limit, filter.offset],
  );
  const rows = result.rows as (QuestionnaireListRow & { total: number })[];
  return { rows: rows.map(({ total: _total, ...row }) => row), total: rows[0]?.total ?? 0 };
}

export async function countQuestionnaires(db: Db, archived: boolean): Promise<number> {
  const row = await db('questionnaires').count<{ count: string }[]>('id as count').modify((query) => (archived ? query.whereNotNull('archived_at') : query.whereNull('archived_at'))).first();
  return Number(row?.count ?? 0);
}

export async function findQuestionnaire(db: Db, id: number): Promise<QuestionnaireRow | undefined> {
  return db('questionnaires').select('id', 'title', 'archived_at', 'created_at').where('id', id).first();
}

/** Serialises every change of one questionnaire, so two saves cannot both make "version n + 1". */
export async function lockQuestionnaire(trx: Knex.Transaction, id: number): Promise<QuestionnaireRow | undefined> {
  return trx('questionnaires').select('id', 'title', 'archived_at', 'created_at').where('id', id).forUpdate().first();
}

/** The latest version; locked when asked, so opening an evaluation waits for an edit in progress. */
export async function latestVersion(db: Db, questionnaireId: number, lock = false): Promise<VersionRow | undefined> {
  const query = db('questionnaire_versions').select(VERSION_COLUMNS).where('questionnaire_id', questionnaireId).orderBy('version', 'desc').first();
  return lock ? query.forUpdate() : query;
}

export async function selectItems(db: Db, versionId: number): Promise<ItemRow[]> {
  return db('questionnaire_items').select(ITEM_COLUMNS).where('version_id', versionId).orderBy('position');
}

/** An item of any version of the questionnaire (a form may have been loaded before a new version was made). */
export async function findItemOfQuestionnaire(db: Db, questionnaireId: number, itemId: number): Promise<ItemRow | undefined> {
  return db('questionnaire_items as i')
    .join('questionnaire_versions as v', 'v.id', 'i.version_id')
    .select(ITEM_COLUMNS.map((column) => `i.${column}`))
    .where({ 'i.id': itemId, 'v.questionnaire_id': questionnaireId })
    .first();
}

export async function insertQuestionnaire(trx: Knex.Transaction, title: string, createdBy: number | null): Promise<number> {
  const [row] = await trx('questionnaires').insert({ title, created_by: createdBy }).returning('id');
  return (row as { id: number }).id;
}

export async function insertVersion(trx: Knex.Transaction, row: { questionnaire_id: number; version: number; title: string; introduction: string }): Promise<VersionRow> {
  const [version] = await trx('questionnaire_versions').insert(row).returning(VERSION_COLUMNS);
  return version as VersionRow;
}

export async function updateVersionMeta(trx: Knex.Transaction, versionId: number, meta: { title: string; introduction: string }): Promise<void> {
  await trx('questionnaire_versions').update(meta).where('id', versionId);
}

export async function updateQuestionnaire(trx: Knex.Transaction, id: number, changes: { title?: string; archived_at?: Date | null }): Promise<void> {
  await trx('questionnaires').update(changes).where('id', id);
}

const itemColumns = (item: ItemContent) => ({
  kind: item.kind,
  prompt: item.prompt,
  required: item.required,
  scale_low_label: item.scaleLowLabel,
  scale_high_label: item.scaleHighLabel,
  options: item.options,
});

/** Appends an item at the end; `itemKey` keeps the identity of a question copied from an earlier version. */
export async function insertItem(trx: Knex.Transaction, versionId: number, item: ItemContent, itemKey?: string): Promise<number> {
  const [row] = await trx('questionnaire_items')
    .insert({
      version_id: versionId,
      position: trx.raw('(SELECT coalesce(max(position), 0) + 1 FROM questionnaire_items WHERE version_id = ?)', [versionId]),
      ...itemColumns(item),
      ...(itemKey ? { item_key: itemKey } : {}),
    })
    .returning('id');
  return (row as { id: number }).id;
}

/** Copies all items of one version into another, keys and order included (a new version starts as a copy). */
export async function copyItems(trx: Knex.Transaction, fromVersionId: number, toVersionId: number): Promise<void> {
  await trx.raw(
    `INSERT INTO questionnaire_items (version_id, position, kind, prompt, required, scale_low_label, scale_high_label, options, item_key)
     SELECT ?, position, kind, prompt, required, scale_low_label, scale_high_label, options, item_key
       FROM questionnaire_items WHERE version_id = ?`,
    [toVersionId, fromVersionId],
  );
}

/** Changes an item; a changed question gets a new key (its answers no longer compare with the old one's). */
export async function updateItem(trx: Knex.Transaction, itemId: number, item: ItemContent, newKey: boolean): Promise<void> {
  await trx('questionnaire_items')
    .update({ ...itemColumns(item), ...(newKey ? { item_key: trx.raw('gen_random_uuid()') } : {}) })
    .where('id', itemId);
}

export async function deleteItem(trx: Knex.Transaction, itemId: number): Promise<void> {
  await trx('questionnaire_items').where('id', itemId).delete();
}

/**
 * Positions 1..n in the given order. Positions are unique per version and PostgreSQL checks
 * that row by row, so they pass through negative numbers first.
 */
export async function renumberItems(trx: Knex.Transaction, versionId: number, orderedIds: number[]): Promise<void> {
  await trx('questionnaire_items').update({ position: trx.raw('-position') }).where('version_id', versionId);
  await trx.raw(
    `UPDATE questionnaire_items AS item SET position = ordered.position
       FROM unnest(?::int[]) WITH ORDINALITY AS ordered(id, position)
      WHERE item.id = ordered.id AND item.version_id = ?`,
    [orderedIds, versionId],
  );
}

export type UsageRow = { programme_id: number | null; offering_id: number | null; title: string; scope: string; answer_days: number };

/** Where the questionnaire is assigned (programmes first), titles as the catalog publishes them; at most `limit`. */
export async function selectUsage(db: Db, questionnaireId: number, limit: number): Promise<UsageRow[]> {
  const result = await db.raw<{ rows: UsageRow[] }>(
    `SELECT a.programme_id, a.offering_id, coalesce(p.title, o.title) AS title, a.scope, a.answer_days
       FROM evaluation_assignments a
       LEFT JOIN catalog_programme_outline p ON p.programme_id = a.programme_id
       LEFT JOIN catalog_offering_titles o ON o.offering_id = a.offering_id
      WHERE a.questionnaire_id = ?
      ORDER BY a.offering_id IS NOT NULL, coalesce(p.title, o.title) COLLATE german, a.id
      LIMIT ?`,
    [questionnaireId, limit],
  );
  return result.rows;
}
