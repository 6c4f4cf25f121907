import { Router } from 'express';
import { showForm, validateForm } from '../http/forms';
import { requireRole } from '../http/guards';
import { createQuestionnaireHandlers } from './questionnaires.handlers';
import { confirmSchema, itemSchema, metaSchema, moveSchema, newQuestionnaireSchema } from './questionnaires.schemas';
import type { QuestionnairesService } from './questionnaires.service';

/** Coordinators keep the evaluation questionnaires: items, order, versions, preview, archive. */
export function questionnairesRouter(questionnaires: QuestionnairesService): Router {
  const handlers = createQuestionnaireHandlers(questionnaires);
  const { pages } = handlers;
  const coordinator = requireRole('coordinator', 'admin');

  const router = Router();
  router.get('/evaluation/questionnaires', coordinator, handlers.list);
  router.get('/evaluation/questionnaires/new', coordinator, showForm(pages.create));
  router.post('/evaluation/questionnaires', coordinator, validateForm(newQuestionnaireSchema, pages.create), handlers.create);
  router.get('/evaluation/questionnaires/:id', coordinator, showForm(pages.editor));
  router.post('/evaluation/questionnaires/:id', coordinator, validateForm(metaSchema, pages.editor), handlers.updateMeta);
  router.get('/evaluation/questionnaires/:id/preview', coordinator, handlers.preview);
  router.post('/evaluation/questionnaires/:id/archive', coordinator, validateForm(confirmSchema, pages.editor), handlers.archive);
  router.post('/evaluation/questionnaires/:id/restore', coordinator, validateForm(confirmSchema, pages.editor), handlers.restore);
  router.post('/evaluation/questionnaires/:id/items', coordinator, validateForm(itemSchema, pages.editor), handlers.addItem);
  router.get('/evaluation/questionnaires/:id/items/:itemId/edit', coordinator, showForm(pages.item));
  router.post('/evaluation/questionnaires/:id/items/:itemId', coordinator, validateForm(itemSchema, pages.item), handlers.updateItem);
  router.post('/evaluation/questionnaires/:id/items/:itemId/move', coordinator, validateForm(moveSchema, pages.editor), handlers.moveItem);
  router.post('/evaluation/questionnaires/:id/items/:itemId/delete', coordinator, validateForm(confirmSchema, pages.editor), handlers.removeItem);
  return router;
}
