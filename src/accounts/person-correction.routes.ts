import { Router } from 'express';
import { showForm, validateForm } from '../http/forms';
import { requireRole } from '../http/guards';
import type { OrganisationsService } from './organisations.service';
import { createPersonCorrectionHandlers } from './person-correction.handlers';
import { personCorrectionSchema } from './person-correction.schemas';
import type { PersonCorrectionService } from './person-correction.service';

export function personCorrectionRouter(corrections: PersonCorrectionService, organisations: OrganisationsService): Router {
  const handlers = createPersonCorrectionHandlers(corrections, organisations);
  const coordination = requireRole('coordinator', 'admin');
  const router = Router();
  router.get('/admin/users/:id/edit', coordination, showForm(handlers.pages.edit));
  router.post('/admin/users/:id/edit', coordination, validateForm(personCorrectionSchema, handlers.pages.edit), handlers.correct);
  return router;
}
