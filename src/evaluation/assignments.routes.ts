import { Router } from 'express';
import { showForm, validateForm } from '../http/forms';
import { requireRole } from '../http/guards';
import { createAssignmentHandlers } from './assignments.handlers';
import { offeringAssignmentSchema, programmeAssignmentSchema } from './assignments.schemas';
import type { AssignmentsService } from './assignments.service';

/** Coordinators choose a programme's default questionnaire and an offering's own (or none). */
export function assignmentsRouter(assignments: AssignmentsService): Router {
  const handlers = createAssignmentHandlers(assignments);
  const { pages } = handlers;
  const coordinator = requireRole('coordinator', 'admin');

  const router = Router();
  router.get('/manage/programmes/:id/evaluation', coordinator, showForm(pages.programme));
  router.post('/manage/programmes/:id/evaluation', coordinator, validateForm(programmeAssignmentSchema, pages.programme), handlers.saveProgramme);
  router.get('/manage/offerings/:id/evaluation', coordinator, showForm(pages.offering));
  router.post('/manage/offerings/:id/evaluation', coordinator, validateForm(offeringAssignmentSchema, pages.offering), handlers.saveOffering);
  return router;
}
