import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type TemplateRow = {
  programme_id: number;
  title: string;
  body: string;
  funding_line: string;
  signatories: { name: string; function: string; signatureImageId: number | null }[];
  logo_image_ids: number[];
  updated_at: Date;
};

export type ProgrammeForTemplate = { id: number; title: string; kind: 'series' | 'workshop' | 'event'; certificate_kind: 'certificate' | 'confirmation' };

export async function selectTemplate(db: Db, programmeId: number): Promise<TemplateRow | undefined> {
  return db('certificate_templates')
    .select('programme_id', 'title', 'body', 'funding_line', 'signatories', 'logo_image_ids', 'updated_at')
    .where('programme_id', programmeId)
    .first();
}

export async function selectProgrammeForTemplate(db: Db, programmeId: number): Promise<ProgrammeForTemplate | undefined> {
  return db('programmes').select('id', 'title', 'kind', 'certificate_kind').where('id', programmeId).first();
}

export async function selectImages(db: Db, ids: number[]): Promise<{ id: number; bytes: Buffer }[]> {
  if (ids.length === 0) return [];
  return db('certificate_images').select('id', 'bytes').whereIn('id', ids);
}

/** Locks the programme for the length of a template change, so two saves of one programme don't interleave. */
export async function lockProgrammeForTemplate(trx: Knex.Transaction, programmeId: number): Promise<ProgrammeForTemplate | undefined> {
  // NO KEY UPDATE: issuing certificates (which only references the programme) is not held up.
  return trx('programmes').select('id', 'title', 'kind', 'certificate_kind').where('id', programmeId).forNoKeyUpdate().first();
}

export type TemplateChanges = {
  title: string;
  body: string;
  funding_line: string;
  signatories: TemplateRow['signatories'];
  logo_image_ids: number[];
  updated_by: number | null;
};

export async function upsertTemplate(trx: Knex.Transaction, programmeId: number, changes: TemplateChanges): Promise<void> {
  const row = {
    programme_id: programmeId,
    title: changes.title,
    body: changes.body,
    funding_line: changes.funding_line,
    // jsonb columns: pg would send a JS array as a PostgreSQL array literal.
    signatories: JSON.stringify(changes.signatories),
    logo_image_ids: JSON.stringify(changes.logo_image_ids),
    updated_by: changes.updated_by,
    updated_at: trx.fn.now(),
  };
  await trx('certificate_templates').insert(row).onConflict('programme_id').merge(['title', 'body', 'funding_line', 'signatories', 'logo_image_ids', 'updated_by', 'updated_at']);
}

export type ImageRow = { id: number; programme_id: number; content_type: 'image/png' | 'image/jpeg'; bytes: Buffer };

export async function findImage(db: Db, imageId: number): Promise<ImageRow | undefined> {
  return db('certificate_images').select('id', 'programme_id', 'content_type', 'bytes').where('id', imageId).first();
}

/** The same picture uploaded again for the same programme is reused instead of stored twice. */
export async function findImageByHash(db: Db, programmeId: number, sha256: string, contentType: string): Promise<number | undefined> {
  const row = await db('certificate_images').select('id').where({ programme_id: programmeId, sha256, content_type: contentType }).orderBy('id').first();
  return (row as { id: number } | undefined)?.id;
}

export async function insertImage(
  trx: Knex.Transaction,
  image: { programme_id: number; content_type: 'image/png' | 'image/jpeg'; bytes: Buffer; sha256: string; uploaded_by: number | null },
): Promise<number> {
  const [row] = await trx('certificate_images').insert(image).returning('id');
  return (row as { id: number }).id;
}

export type ModuleForPreview = { position: number; title: string; teaching_units: number };

export async function selectModulesForPreview(db: Db, programmeId: number): Promise<ModuleForPreview[]> {
  return db('modules').select('position', 'title', 'teaching_units').where('programme_id', programmeId).orderBy('position');
}
