import type { Database } from '../../src/db/database';

/**
 * Evaluation test data by direct inserts (shared by the builder, answers and results tests).
 * Each helper of issue 15 adds its own functions below; additive only.
 */

export type ItemKind = 'scale' | 'single' | 'multiple' | 'text';

export type ItemInput = {
  kind: ItemKind;
  prompt?: string;
  required?: boolean;
  scaleLowLabel?: string | null;
  scaleHighLabel?: string | null;
  options?: string[];
};

const DEFAULT_ITEMS: ItemInput[] = [
  { kind: 'scale', prompt: 'Wie zufrieden waren Sie insgesamt?', required: true, scaleLowLabel: 'gar nicht', scaleHighLabel: 'sehr' },
  { kind: 'single', prompt: 'War das Tempo passend?', required: false, options: ['zu langsam', 'passend', 'zu schnell'] },
  { kind: 'multiple', prompt: 'Was hat Ihnen geholfen?', options: ['Übungen', 'Fallbeispiele', 'Austausch'] },
  { kind: 'text', prompt: 'Was möchten Sie uns noch sagen?' },
];

let sequence = 0;

export type CreatedQuestionnaire = {
  questionnaireId: number;
  versionId: number;
  version: number;
  title: string;
  itemIds: number[];
  itemKeys: string[];
};

/**
 * A questionnaire with one version (or `versions` versions, the latest holding the items);
 * `inUse` sets in_use_since on the latest version, as the opening of an evaluation does.
 */
export async function createQuestionnaire(
  db: Database,
  options: Partial<{ title: string; introduction: string; items: ItemInput[]; inUse: boolean; archived: boolean; createdBy: number | null }> = {},
): Promise<CreatedQuestionnaire> {
  sequence += 1;
  const title = options.title ?? `Feedback zum Modul ${sequence}`;
  const [questionnaire] = await db('questionnaires')
    .insert({ title, created_by: options.createdBy ?? null, archived_at: options.archived ? new Date() : null })
    .returning('id');
  const questionnaireId = (questionnaire as { id: number }).id;
  const [version] = await db('questionnaire_versions')
    .insert({
      questionnaire_id: questionnaireId,
      version: 1,
      title,
      introduction: options.introduction ?? 'Ihre Antworten sind anonym.',
      in_use_since: options.inUse ? new Date() : null,
    })
    .returning('id');
  const versionId = (version as { id: number }).id;
  const items = options.items ?? DEFAULT_ITEMS;
  const rows = items.length
    ? await db('questionnaire_items')
        .insert(
          items.map((item, index) => ({
            version_id: versionId,
            position: index + 1,
            kind: item.kind,
            prompt: item.prompt ?? `Frage ${index + 1}`,
            required: item.required ?? false,
            scale_low_label: item.kind === 'scale' ? (item.scaleLowLabel ?? 'trifft nicht zu') : null,
            scale_high_label: item.kind === 'scale' ? (item.scaleHighLabel ?? 'trifft voll zu') : null,
            options: item.kind === 'single' || item.kind === 'multiple' ? (item.options ?? ['ja', 'nein']) : [],
          })),
        )
        .returning(['id', 'item_key', 'position'])
    : [];
  const sorted = (rows as { id: number; item_key: string; position: number }[]).sort((a, b) => a.position - b.position);
  return { questionnaireId, versionId, version: 1, title, itemIds: sorted.map((row) => row.id), itemKeys: sorted.map((row) => row.item_key) };
}

/**
 * The default questionnaire of a programme, or an offering's own choice (`questionnaireId: null`
 * on an offering: not evaluated). Replaces an existing assignment of the same target.
 */
export async function assignQuestionnaire(
  db: Database,
  options: { programmeId?: number; offeringId?: number; questionnaireId: number | null; scope?: 'session' | 'module' | 'offering'; answerDays?: number },
): Promise<{ id: number }> {
  if ((options.programmeId == null) === (options.offeringId == null)) throw new Error('assignQuestionnaire: give programmeId or offeringId');
  const target = options.programmeId != null ? { programme_id: options.programmeId } : { offering_id: options.offeringId };
  await db('evaluation_assignments').where(target).delete();
  const [row] = await db('evaluation_assignments')
    .insert({ ...target, questionnaire_id: options.questionnaireId, scope: options.scope ?? 'session', answer_days: options.answerDays ?? 14 })
    .returning('id');
  return row as { id: number };
}
