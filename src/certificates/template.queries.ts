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
