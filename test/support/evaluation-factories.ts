import type { Database } from '../../src/db/database';
import type { Agent } from './http';

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

// ----- RESULTS (issue 15, part 3): answers as the answering stores them -----

/** One response's answers: item id → 1..5 (scale), an option index, option indexes, or a free text. */
export type SeedAnswers = Record<number, number | number[] | string>;

/**
 * Responses of an evaluation by direct inserts, as the answering stores them: a random id, the
 * day only, no person. Returns how many were inserted.
 */
export async function seedResponses(db: Database, evaluationId: number, responses: SeedAnswers[]): Promise<number> {
  if (responses.length === 0) return 0;
  const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin' }).format(new Date());
  await db('evaluation_responses').insert(
    responses.map((answers) => ({ evaluation_id: evaluationId, submitted_on: today, answers: JSON.stringify(Object.fromEntries(Object.entries(answers).map(([id, value]) => [String(id), value]))) })),
  );
  return responses.length;
}

// ----- ANSWERS (issue 15, part 2): an open evaluation and answering it through the real form -----

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * An evaluation as the lifecycle job opens it, by direct inserts: the given people are its
 * participants (`answeredIds` among them have answered, as a yes/no only). `closed` makes it a
 * closed one (counts frozen, no participants), as the closing run leaves it.
 */
export async function openEvaluation(
  db: Database,
  options: {
    versionId: number;
    offeringId: number;
    scope?: 'session' | 'module' | 'offering';
    sessionId?: number | null;
    moduleId?: number | null;
    participantIds?: number[];
    answeredIds?: number[];
    /** Days from now until it closes (negative: its period is over). */
    closesInDays?: number;
    closed?: boolean;
  },
): Promise<{ id: number }> {
  const scope = options.scope ?? 'offering';
  const closesAt = new Date(Date.now() + (options.closesInDays ?? 14) * DAY_MS);
  const participants = options.participantIds ?? [];
  const answered = new Set(options.answeredIds ?? []);
  const [row] = await db('evaluations')
    .insert({
      version_id: options.versionId,
      offering_id: options.offeringId,
      scope,
      session_id: scope === 'session' ? options.sessionId : null,
      module_id: scope === 'module' ? options.moduleId : null,
      opens_at: new Date(closesAt.getTime() - 14 * DAY_MS),
      closes_at: closesAt,
      closed_at: options.closed ? closesAt : null,
      invited_count: options.closed ? participants.length : 0,
      answered_count: options.closed ? answered.size : 0,
    })
    .returning('id');
  const id = (row as { id: number }).id;
  await db('questionnaire_versions').where({ id: options.versionId }).whereNull('in_use_since').update({ in_use_since: new Date() });
  if (!options.closed && participants.length > 0) {
    await db('evaluation_participants').insert(participants.map((userId) => ({ evaluation_id: id, user_id: userId, has_answered: answered.has(userId) })));
  }
  return { id };
}

/**
 * Posts the answer form of /evaluations/:id like a browser: the page's CSRF token, and a field
 * repeated for each ticked checkbox. `fields` maps item ids to a value or several.
 */
export async function answerAs(
  agent: Agent,
  evaluationId: number,
  fields: Record<number, string | string[]>,
  token?: string,
) {
  const csrf = token ?? (await agent.get(`/evaluations/${evaluationId}`)).text.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';
  const body = new URLSearchParams({ _csrf: csrf });
  for (const [itemId, value] of Object.entries(fields)) for (const entry of Array.isArray(value) ? value : [value]) body.append(`item_${itemId}`, entry);
  return agent.post(`/evaluations/${evaluationId}`).type('form').send(body.toString());
}
