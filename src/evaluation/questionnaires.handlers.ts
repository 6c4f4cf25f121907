import type { Request, Response } from 'express';
import { actorOf } from '../audit/audit.service';
import { setFlash } from '../http/flash';
import { formData, type FormPage } from '../http/forms';
import { idParam, userOf } from '../http/request';
import { pageNumber } from '../shared/paging';
import { ITEM_KINDS, type ItemContent } from './questionnaires.model';
import { listFilterSchema, type MetaInput, type NewQuestionnaireInput } from './questionnaires.schemas';
import type { QuestionnairesService } from './questionnaires.service';
import { itemFormValues, metaFormValues, paragraphs, SCALE_POINTS } from './questionnaires.view';

const LIST = '/evaluation/questionnaires';
const editorPath = (id: number) => `${LIST}/${id}`;
const itemId = (req: Request) => idParam(req, 'itemId');

export function createQuestionnaireHandlers(questionnaires: QuestionnairesService) {
  const pages = {
    create: {
      view: 'evaluation/questionnaire-new',
      titleKey: 'evaluationBuilder.create.title',
      locals: () => ({ current: { ...metaFormValues(), ...itemFormValues() }, kinds: ITEM_KINDS }),
    } satisfies FormPage,
    editor: {
      view: 'evaluation/questionnaire-edit',
      titleKey: 'evaluationBuilder.edit.title',
      locals: async (req: Request) => {
        const editor = await questionnaires.editor(userOf(req), idParam(req));
        return { ...editor, current: { ...metaFormValues(editor.version), ...itemFormValues() }, kinds: ITEM_KINDS };
      },
    } satisfies FormPage,
    item: {
      view: 'evaluation/questionnaire-item',
      titleKey: 'evaluationBuilder.item.title',
      locals: async (req: Request) => {
        const editor = await questionnaires.item(userOf(req), idParam(req), itemId(req));
        return { ...editor, current: itemFormValues(editor.item), kinds: ITEM_KINDS };
      },
    } satisfies FormPage,
  };

  return {
    pages,

    async list(req: Request, res: Response): Promise<void> {
      const filter = listFilterSchema.parse(req.query);
      const page = await questionnaires.list(userOf(req), { archived: filter.archived, page: pageNumber(filter.page) });
      res.renderPage('evaluation/questionnaires', { title: req.t('evaluationBuilder.list.title'), page, archived: filter.archived });
    },

    async create(req: Request, res: Response): Promise<void> {
      const id = await questionnaires.create(userOf(req), formData<NewQuestionnaireInput>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'evaluationBuilder.flash.created' });
      res.redirect(303, editorPath(id));
    },

    async updateMeta(req: Request, res: Response): Promise<void> {
      await questionnaires.updateMeta(userOf(req), idParam(req), formData<MetaInput>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'evaluationBuilder.flash.saved' });
      res.redirect(303, editorPath(idParam(req)));
    },

    async addItem(req: Request, res: Response): Promise<void> {
      await questionnaires.addItem(userOf(req), idParam(req), formData<ItemContent>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'evaluationBuilder.flash.itemAdded' });
      res.redirect(303, `${editorPath(idParam(req))}#items-heading`);
    },

    async updateItem(req: Request, res: Response): Promise<void> {
      await questionnaires.updateItem(userOf(req), idParam(req), itemId(req), formData<ItemContent>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'evaluationBuilder.flash.itemSaved' });
      res.redirect(303, `${editorPath(idParam(req))}#items-heading`);
    },

    async moveItem(req: Request, res: Response): Promise<void> {
      const { direction } = formData<{ direction: 'up' | 'down' }>(res);
      await questionnaires.moveItem(userOf(req), idParam(req), itemId(req), direction, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'evaluationBuilder.flash.itemMoved' });
      res.redirect(303, `${editorPath(idParam(req))}#items-heading`);
    },

    async removeItem(req: Request, res: Response): Promise<void> {
      await questionnaires.removeItem(userOf(req), idParam(req), itemId(req), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'evaluationBuilder.flash.itemRemoved' });
      res.redirect(303, `${editorPath(idParam(req))}#items-heading`);
    },

    async archive(req: Request, res: Response): Promise<void> {
      await questionnaires.setArchived(userOf(req), idParam(req), true, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'evaluationBuilder.flash.archived' });
      res.redirect(303, editorPath(idParam(req)));
    },

    async restore(req: Request, res: Response): Promise<void> {
      await questionnaires.setArchived(userOf(req), idParam(req), false, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'evaluationBuilder.flash.restored' });
      res.redirect(303, editorPath(idParam(req)));
    },

    async preview(req: Request, res: Response): Promise<void> {
      const editor = await questionnaires.editor(userOf(req), idParam(req));
      res.renderPage('evaluation/questionnaire-preview', {
        title: req.t('evaluationBuilder.preview.title', { title: editor.version.title }),
        ...editor,
        introduction: paragraphs(editor.version.introduction),
        scalePoints: SCALE_POINTS,
      });
    },
  };
}
