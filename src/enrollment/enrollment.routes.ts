import { Router } from 'express';
import type { CatalogService } from '../catalog/catalog.service';
import type { ManageCatalogService } from '../catalog/manage.service';
import { showForm, validateForm } from '../http/forms';
import { requireLogin, requireRole } from '../http/guards';
import { createBulkHandlers } from './bulk.handlers';
import { bulkConfirmSchema, bulkListSchema } from './bulk.schemas';
import type { CalendarService } from './calendar.service';
import { createEnrollmentHandlers } from './enrollment.handlers';
import { capacitySchema, enrollByHandSchema, moveSchema } from './enrollment.schemas';
import type { EnrollmentService } from './enrollment.service';
import { createManageEnrollmentHandlers } from './manage-enrollment.handlers';

export function enrollmentRouter(catalog: CatalogService, enrollment: EnrollmentService, calendar: CalendarService, offerings: Pick<ManageCatalogService, 'changeCapacity'>): Router {
  const handlers = createEnrollmentHandlers(enrollment, calendar);
  const manage = createManageEnrollmentHandlers(enrollment, catalog, offerings);
  const bulk = createBulkHandlers(enrollment, catalog);
  const coordinator = requireRole('coordinator', 'admin');

  const router = Router();
  router.get('/offerings/:id/calendar.ics', handlers.offeringIcs);
  router.post('/offerings/:id/enroll', requireLogin, handlers.enroll);
  router.get('/enrollments/:id/cancel', requireLogin, handlers.cancelPage);
  router.post('/enrollments/:id/cancel', requireLogin, handlers.cancel);
  router.get('/my/dates', requireLogin, handlers.myDates);
  router.post('/my/calendar-feed', requireLogin, handlers.createFeed);
  router.post('/my/calendar-feed/revoke', requireLogin, handlers.revokeFeed);
  router.get('/calendar/:token.ics', handlers.feed);

  router.get('/manage/offerings/:id/enrollments', coordinator, showForm(manage.listPage));
  router.post('/manage/offerings/:id/enrollments', coordinator, validateForm(enrollByHandSchema, manage.listPage), manage.enrollByHand);
  router.get('/manage/offerings/:id/enrollments/bulk', coordinator, showForm(bulk.inputPage));
  router.post('/manage/offerings/:id/enrollments/bulk', coordinator, bulk.upload.receive, bulk.upload.validate(bulkListSchema), bulk.preview);
  router.post('/manage/offerings/:id/enrollments/bulk/confirm', coordinator, validateForm(bulkConfirmSchema, bulk.previewPage), bulk.confirm);
  router.post('/manage/offerings/:id/capacity', coordinator, validateForm(capacitySchema, manage.listPage), manage.changeCapacity);
  router.get('/manage/offerings/:id/enrollments/:enrollmentId/move', coordinator, showForm(manage.movePage));
  router.post('/manage/offerings/:id/enrollments/:enrollmentId/move', coordinator, validateForm(moveSchema, manage.movePage), manage.move);
  router.post('/manage/enrollments/:id/approve', coordinator, manage.approve);
  router.post('/manage/enrollments/:id/reject', coordinator, manage.reject);
  router.post('/manage/enrollments/:id/cancel', coordinator, manage.cancel);
  return router;
}
