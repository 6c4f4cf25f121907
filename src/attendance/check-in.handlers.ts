import type { Request, Response } from 'express';
import type { z } from 'zod';
import { actorOf } from '../audit/audit.service';
import { idParam, userOf } from '../http/request';
import { setFlash } from '../http/flash';
import { formData, type FormPage } from '../http/forms';
import type { checkInSchema } from './attendance.schemas';
import type { AttendanceService } from './attendance.service';


/** Self check-in: the trainer's screen with the code, and the participant's form. */
export function createCheckInHandlers(attendance: AttendanceService) {
  const checkInPage = {
    view: 'attendance/check-in',
    titleKey: 'attendance.checkIn.title',
    locals: (req: Request) => ({ code: typeof req.query.code === 'string' ? req.query.code : '' }),
  } satisfies FormPage;

  return {
    checkInPage,

    async checkInScreen(req: Request, res: Response): Promise<void> {
      const screen = await attendance.checkInScreen(userOf(req), idParam(req));
      res.renderPage('attendance/check-in-screen', { title: req.t('attendance.checkInScreen.title'), ...screen });
    },

    async openCheckIn(req: Request, res: Response): Promise<void> {
      await attendance.openCheckIn(userOf(req), idParam(req), actorOf(req));
      res.redirect(303, `/attendance/sessions/${idParam(req)}/check-in`);
    },

    async closeCheckIn(req: Request, res: Response): Promise<void> {
      await attendance.closeCheckIn(userOf(req), idParam(req), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'attendance.checkInScreen.closed' });
      res.redirect(303, `/attendance/sessions/${idParam(req)}/check-in`);
    },

    async checkIn(req: Request, res: Response): Promise<void> {
      const { code } = formData<z.output<typeof checkInSchema>>(res);
      const result = await attendance.checkIn(userOf(req), code, actorOf(req));
      res.renderPage('attendance/checked-in', { title: req.t('attendance.checkIn.doneTitle'), session: result.session, status: result.status });
    },
  };
}
