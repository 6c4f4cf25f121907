import { Router } from 'express';
import { showForm, validateForm } from '../http/forms';
import { requireRole } from '../http/guards';
import { createManageCatalogHandlers } from './manage.handlers';
import { confirmSchema, moduleSchema, moveSchema, newOfferingSchema, offeringSchema, programmeSchema, sessionSchema } from './manage.schemas';
import type { ManageCatalogService } from './manage.service';

/** Coordinators set up programmes, modules, offerings and sessions. */
export function manageCatalogRouter(catalog: ManageCatalogService): Router {
  const handlers = createManageCatalogHandlers(catalog);
  const { pages } = handlers;
  const coordinator = requireRole('coordinator', 'admin');

  const router = Router();
  router.get('/manage/programmes', coordinator, handlers.listProgrammes);
  router.get('/manage/programmes/new', coordinator, showForm(pages.programmeNew));
  router.post('/manage/programmes', coordinator, validateForm(programmeSchema, pages.programmeNew), handlers.createProgramme);
  router.get('/manage/programmes/:id', coordinator, showForm(pages.programmeDetail));
  router.get('/manage/programmes/:id/edit', coordinator, showForm(pages.programmeEdit));
  router.post('/manage/programmes/:id', coordinator, validateForm(programmeSchema, pages.programmeEdit), handlers.updateProgramme);
  router.post('/manage/programmes/:id/modules', coordinator, validateForm(moduleSchema, pages.programmeDetail), handlers.addModule);
  router.get('/manage/programmes/:id/modules/:moduleId/edit', coordinator, showForm(pages.moduleEdit));
  router.post('/manage/programmes/:id/modules/:moduleId', coordinator, validateForm(moduleSchema, pages.moduleEdit), handlers.updateModule);
  router.post('/manage/programmes/:id/modules/:moduleId/move', coordinator, validateForm(moveSchema, pages.programmeDetail), handlers.moveModule);

  router.get('/manage/offerings', coordinator, handlers.listOfferings);
  router.get('/manage/offerings/new', coordinator, showForm(pages.offeringNew));
  router.post('/manage/offerings', coordinator, validateForm(newOfferingSchema, pages.offeringNew), handlers.createOffering);
  router.get('/manage/offerings/:id', coordinator, showForm(pages.offeringDetail));
  router.get('/manage/offerings/:id/edit', coordinator, showForm(pages.offeringEdit));
  router.post('/manage/offerings/:id', coordinator, validateForm(offeringSchema, pages.offeringEdit), handlers.updateOffering);
  router.post('/manage/offerings/:id/publish', coordinator, validateForm(confirmSchema, pages.offeringDetail), handlers.publishOffering);
  router.get('/manage/offerings/:id/cancel', coordinator, showForm(pages.offeringCancel));
  router.post('/manage/offerings/:id/cancel', coordinator, validateForm(confirmSchema, pages.offeringCancel), handlers.cancelOffering);
  router.post('/manage/offerings/:id/sessions', coordinator, validateForm(sessionSchema, pages.offeringDetail), handlers.addSession);
  router.get('/manage/offerings/:id/sessions/:sessionId/edit', coordinator, showForm(pages.sessionEdit));
  router.post('/manage/offerings/:id/sessions/:sessionId', coordinator, validateForm(sessionSchema, pages.sessionEdit), handlers.updateSession);
  router.get('/manage/offerings/:id/sessions/:sessionId/delete', coordinator, showForm(pages.sessionDelete));
  router.post('/manage/offerings/:id/sessions/:sessionId/delete', coordinator, validateForm(confirmSchema, pages.sessionDelete), handlers.deleteSession);
  return router;
}
