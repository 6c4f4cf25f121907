import { Router } from 'express';
import type { Config } from '../config';
import { showForm, validateForm } from '../http/forms';
import { requireLogin, requireRole } from '../http/guards';
import type { RateLimits } from '../http/rate-limit';
import { createAttendanceHandlers } from './attendance.handlers';
import { checkInSchema, excuseSchema, rollCallSchema } from './attendance.schemas';
import type { AttendanceService } from './attendance.service';

/**
 * Self check-in attempts per 15 minutes. A code has 32^6 values, so 10 tries per person
 * make guessing hopeless while leaving room for typos. The address limit is higher: a
 * whole course checks in from behind the same office proxy, one or two tries each.
 */
export const CHECK_IN_ATTEMPTS_PER_PERSON = 10;
export const CHECK_IN_ATTEMPTS_PER_ADDRESS = 60;
const CHECK_IN_WINDOW_SECONDS = 15 * 60;

export function attendanceRouter(attendance: AttendanceService, rateLimits: RateLimits, config: Config): Router {
  const handlers = createAttendanceHandlers(attendance, config);
  const { pages } = handlers;
  const staff = requireRole('trainer', 'coordinator', 'admin');
  const coordinator = requireRole('coordinator', 'admin');
  // Person first: a person already locked out does not use up the address's allowance for the others.
  const checkInLimit = rateLimits([
    { name: 'check_in_person', per: 'person', points: CHECK_IN_ATTEMPTS_PER_PERSON, durationSeconds: CHECK_IN_WINDOW_SECONDS },
    { name: 'check_in_ip', points: CHECK_IN_ATTEMPTS_PER_ADDRESS, durationSeconds: CHECK_IN_WINDOW_SECONDS },
  ]);

  const router = Router();
  router.get('/attendance', staff, handlers.overview);
  router.get('/attendance/sessions/:id', staff, showForm(pages.rollCall));
  router.post('/attendance/sessions/:id', staff, validateForm(rollCallSchema, pages.rollCall), handlers.saveRollCall);
  router.get('/attendance/sessions/:id/check-in', staff, handlers.checkInScreen);
  router.post('/attendance/sessions/:id/check-in/open', staff, handlers.openCheckIn);
  router.post('/attendance/sessions/:id/check-in/close', staff, handlers.closeCheckIn);
  router.get('/attendance/sessions/:id/sheet.pdf', staff, handlers.signInSheet);
  router.get('/attendance/offerings/:id/days/:date/sheet.pdf', staff, handlers.dayParticipantList);
  router.post('/attendance/sessions/:id/signed-sheets', staff, handlers.checkMayUploadSheet, handlers.sheetUpload.receive, handlers.sheetUpload.validate(), handlers.uploadSignedSheet);
  router.get('/attendance/signed-sheets/:id', staff, handlers.downloadSignedSheet);
  router.get('/check-in', requireLogin, showForm(pages.checkIn));
  router.post('/check-in', requireLogin, checkInLimit, validateForm(checkInSchema, pages.checkIn), handlers.checkIn);
  router.get('/my/progress', requireLogin, handlers.myProgress);
  router.get('/my/sessions/:id/excuse', requireLogin, showForm(pages.excuse));
  router.post('/my/sessions/:id/excuse', requireLogin, validateForm(excuseSchema, pages.excuse), handlers.submitExcuse);
  router.get('/manage/excuses', coordinator, handlers.openExcuses);
  router.post('/manage/excuses/:id/accept', coordinator, handlers.acceptExcuse);
  router.post('/manage/excuses/:id/decline', coordinator, handlers.declineExcuse);
  router.get('/manage/offerings/:id/attendance', coordinator, handlers.matrix);
  router.get('/manage/offerings/:id/attendance.csv', coordinator, handlers.exportCsv);
  router.get('/manage/offerings/:id/attendance.xlsx', coordinator, handlers.exportXlsx);
  router.get('/manage/people/:id/history', coordinator, handlers.personHistory);
  return router;
}
