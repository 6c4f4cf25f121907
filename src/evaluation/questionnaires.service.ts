import type { Knex } from 'knex';
import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { Database } from '../db/database';
import { inTransaction } from '../db/transaction';
import { Conflict, Invalid, NotFound } from '../shared/errors';
import { lastPageWindow, pageOf, pageWindow, type Page } from '../shared/paging';
import { ITEMS_MAX, moved, sameQuestion, type ItemContent } from './questionnaires.model';
import * as queries from './questionnaires.queries';
import type { MetaInput, NewQuestionnaireInput } from './questionnaires.schemas';

export const QUESTIONNAIRE_PAGE_SIZE = 25;
/** Where a questionnaire is assigned, on its page: enough to know before archiving, not a report. */
const USAGE_SHOWN = 20;

const contentOf = (item: queries.ItemRow): ItemContent => ({
  kind: item.kind,
  prompt: item.prompt,
  required: item.required,
  scaleLowLabel: item.scale_low_label,
  scaleHighLabel: item.scale_high_label,
  options: item.options,
});

type Editable = { questionnaire: queries.QuestionnaireRow; version: queries.VersionRow };

/**
 * Questionnaire templates. A version that an evaluation has used (`in_use_since`) is never
 * changed: the first edit after that copies it into version n + 1 (items keep their keys) and
 * changes the copy; further edits change that copy until it is used in turn. Every change
 * locks the questionnaire row first, so two coordinators saving at once make one new version.
 */
export function createQuestionnairesService(db: Database) {
  /**
   * The version an edit may change, made now if the latest one is in use; inside the caller's
   * transaction. `unchanged` tells a save that changes nothing, which makes no version (null).
   */
  async function editableUnlessUnchanged(trx: Knex.Transaction, questionnaireId: number, actor: Actor, unchanged?: (latest: queries.VersionRow) => Promise<boolean> | boolean): Promise<Editable | null> {
    const questionnaire = await queries.lockQuestionnaire(trx, questionnaireId);
    if (!questionnaire) throw new NotFound();
    if (questionnaire.archived_at) throw new Conflict('evaluationBuilder.errors.archived');
    const latest = await queries.latestVersion(trx, questionnaireId, true);
    if (!latest) throw new NotFound();
    if (unchanged && (await unchanged(latest))) return null;
    if (!latest.in_use_since) return { questionnaire, version: latest };
    const version = await queries.insertVersion(trx, { questionnaire_id: questionnaireId, version: latest.version + 1, title: latest.title, introduction: latest.introduction });
    await queries.copyItems(trx, latest.id, version.id);
    await recordAudit(trx, actor, { action: 'questionnaire.versionCreated', subjectType: 'questionnaire', subjectId: questionnaireId, after: { version: version.version, from: latest.version } });
    return { questionnaire, version };
  }

  async function editableVersion(trx: Knex.Transaction, questionnaireId: number, actor: Actor): Promise<Editable> {
    const editable = await editableUnlessUnchanged(trx, questionnaireId, actor);
    if (!editable) throw new Error('an edit without a change check always has a version to change');
    return editable;
  }

  /**
   * The item of the editable version that the form's item stands for (same key). 404 for an item
   * of another questionnaire; 409 when somebody removed or rewrote it since the page was loaded.
   */
  async function itemIn(trx: Knex.Transaction, questionnaireId: number, versionId: number, itemId: number): Promise<{ item: queries.ItemRow; items: queries.ItemRow[] }> {
    const shown = await queries.findItemOfQuestionnaire(trx, questionnaireId, itemId);
    if (!shown) throw new NotFound();
    const items = await queries.selectItems(trx, versionId);
    const item = items.find((candidate) => candidate.item_key === shown.item_key);
    if (!item) throw new Conflict('evaluationBuilder.errors.itemChanged');
    return { item, items };
  }

  return {
    async list(actingUser: SessionUser, filter: { archived: boolean; page: number }): Promise<Page<queries.QuestionnaireListRow>> {
      assertCan(actingUser, 'evaluation.manage');
      let window = pageWindow(filter.page, QUESTIONNAIRE_PAGE_SIZE);
      let result = await queries.selectQuestionnairePage(db, { archived: filter.archived, ...window });
      if (result.rows.length === 0 && window.page > 1) {
        // Past the end (the list shrank or the URL was edited): show the last page there is.
        const total = await queries.countQuestionnaires(db, filter.archived);
        window = lastPageWindow(total, window) ?? window;
        result = await queries.selectQuestionnairePage(db, { archived: filter.archived, ...window });
      }
      return pageOf(result.rows, result.total, window);
    },

    async create(actingUser: SessionUser, input: NewQuestionnaireInput, actor: Actor): Promise<number> {
      assertCan(actingUser, 'evaluation.manage');
      return inTransaction(db, async (trx) => {
        const id = await queries.insertQuestionnaire(trx, input.meta.title, actingUser.id);
        const version = await queries.insertVersion(trx, { questionnaire_id: id, version: 1, ...input.meta });
        await queries.insertItem(trx, version.id, input.item);
        await recordAudit(trx, actor, { action: 'questionnaire.created', subjectType: 'questionnaire', subjectId: id, after: { title: input.meta.title, version: 1 } });
        return id;
      });
    },

    /** What the edit page shows: the latest version, and which version number an edit would be saved as. */
    async editor(actingUser: SessionUser, questionnaireId: number) {
      assertCan(actingUser, 'evaluation.manage');
      const [questionnaire, version] = await Promise.all([queries.findQuestionnaire(db, questionnaireId), queries.latestVersion(db, questionnaireId)]);
      if (!questionnaire || !version) throw new NotFound();
      const [items, usage] = await Promise.all([queries.selectItems(db, version.id), queries.selectUsage(db, questionnaireId, USAGE_SHOWN + 1)]);
      return { questionnaire, version, items, usage: usage.slice(0, USAGE_SHOWN), moreUsage: usage.length > USAGE_SHOWN, inUse: version.in_use_since !== null, nextVersion: version.version + 1 };
    },

    async item(actingUser: SessionUser, questionnaireId: number, itemId: number) {
      const editor = await this.editor(actingUser, questionnaireId);
      const shown = await queries.findItemOfQuestionnaire(db, questionnaireId, itemId);
      if (!shown) throw new NotFound();
      const item = editor.items.find((candidate) => candidate.item_key === shown.item_key);
      if (!item) throw new Conflict('evaluationBuilder.errors.itemChanged');
      return { ...editor, item };
    },

    async updateMeta(actingUser: SessionUser, questionnaireId: number, input: MetaInput, actor: Actor): Promise<void> {
      assertCan(actingUser, 'evaluation.manage');
      await inTransaction(db, async (trx) => {
        const editable = await editableUnlessUnchanged(trx, questionnaireId, actor, (latest) => latest.title === input.title && latest.introduction === input.introduction);
        if (!editable) return;
        const { version } = editable;
        await queries.updateVersionMeta(trx, version.id, input);
        await queries.updateQuestionnaire(trx, questionnaireId, { title: input.title });
        await recordAudit(trx, actor, { action: 'questionnaire.updated', subjectType: 'questionnaire', subjectId: questionnaireId, after: { version: version.version, title: input.title } });
      });
    },

    async addItem(actingUser: SessionUser, questionnaireId: number, item: ItemContent, actor: Actor): Promise<void> {
      assertCan(actingUser, 'evaluation.manage');
      await inTransaction(db, async (trx) => {
        const { version } = await editableVersion(trx, questionnaireId, actor);
        const items = await queries.selectItems(trx, version.id);
        if (items.length >= ITEMS_MAX) throw new Invalid({ prompt: 'evaluationBuilder.errors.itemsTooMany' }, { prompt: { max: ITEMS_MAX } });
        await queries.insertItem(trx, version.id, item);
        await recordAudit(trx, actor, { action: 'questionnaire.itemAdded', subjectType: 'questionnaire', subjectId: questionnaireId, after: { version: version.version, kind: item.kind, prompt: item.prompt } });
      });
    },

    async updateItem(actingUser: SessionUser, questionnaireId: number, itemId: number, input: ItemContent, actor: Actor): Promise<void> {
      assertCan(actingUser, 'evaluation.manage');
      await inTransaction(db, async (trx) => {
        const unchanged = async (latest: queries.VersionRow) => {
          const { item } = await itemIn(trx, questionnaireId, latest.id, itemId);
          return sameQuestion(contentOf(item), input) && item.required === input.required;
        };
        const editable = await editableUnlessUnchanged(trx, questionnaireId, actor, unchanged);
        if (!editable) return;
        const { version } = editable;
        const { item } = await itemIn(trx, questionnaireId, version.id, itemId);
        const before = contentOf(item);
        await queries.updateItem(trx, item.id, input, !sameQuestion(before, input));
        await recordAudit(trx, actor, { action: 'questionnaire.itemUpdated', subjectType: 'questionnaire', subjectId: questionnaireId, before, after: { version: version.version, ...input } });
      });
    },

    async moveItem(actingUser: SessionUser, questionnaireId: number, itemId: number, direction: 'up' | 'down', actor: Actor): Promise<void> {
      assertCan(actingUser, 'evaluation.manage');
      await inTransaction(db, async (trx) => {
        const { version } = await editableVersion(trx, questionnaireId, actor);
        const { item, items } = await itemIn(trx, questionnaireId, version.id, itemId);
        await queries.renumberItems(trx, version.id, moved(items.map((candidate) => candidate.id), item.id, direction));
        await recordAudit(trx, actor, { action: 'questionnaire.itemMoved', subjectType: 'questionnaire', subjectId: questionnaireId, after: { version: version.version, prompt: item.prompt, direction } });
      });
    },

    async removeItem(actingUser: SessionUser, questionnaireId: number, itemId: number, actor: Actor): Promise<void> {
      assertCan(actingUser, 'evaluation.manage');
      await inTransaction(db, async (trx) => {
        const { version } = await editableVersion(trx, questionnaireId, actor);
        const { item, items } = await itemIn(trx, questionnaireId, version.id, itemId);
        if (items.length <= 1) throw new Conflict('evaluationBuilder.errors.lastItem');
        await queries.deleteItem(trx, item.id);
        await queries.renumberItems(trx, version.id, items.filter((candidate) => candidate.id !== item.id).map((candidate) => candidate.id));
        await recordAudit(trx, actor, { action: 'questionnaire.itemRemoved', subjectType: 'questionnaire', subjectId: questionnaireId, before: contentOf(item), after: { version: version.version } });
      });
    },

    /** Archived: kept with its versions and results, no longer offered for assignment; `archived: false` restores it. */
    async setArchived(actingUser: SessionUser, questionnaireId: number, archived: boolean, actor: Actor): Promise<void> {
      assertCan(actingUser, 'evaluation.manage');
      await inTransaction(db, async (trx) => {
        const questionnaire = await queries.lockQuestionnaire(trx, questionnaireId);
        if (!questionnaire) throw new NotFound();
        if ((questionnaire.archived_at !== null) === archived) return;
        await queries.updateQuestionnaire(trx, questionnaireId, { archived_at: archived ? new Date() : null });
        await recordAudit(trx, actor, { action: archived ? 'questionnaire.archived' : 'questionnaire.restored', subjectType: 'questionnaire', subjectId: questionnaireId });
      });
    },
  };
}

export type QuestionnairesService = ReturnType<typeof createQuestionnairesService>;
