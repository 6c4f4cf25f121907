import type { Request, Response } from 'express';
import type { z } from 'zod';
import { actorOf } from '../audit/audit.service';
import { idParam, userOf } from '../http/request';
import { setFlash } from '../http/flash';
import { formData, type FormPage } from '../http/forms';
import type { excuseSchema } from './attendance.schemas';
import type { AttendanceService } from './attendance.service';


/** A participant's excuse for a session, and the coordinators' decisions on them. */
export function createExcusesHandlers(attendance: AttendanceService) {
  const excusePage = {
    view: 'attendance/excuse',
    titleKey: 'attendance.excuse.title',
    locals: async (req: Request) => ({ session: await attendance.sessionForParticipant(userOf(req), idParam(req)) }),
  } satisfies FormPage;

  return {
    excusePage,

    async submitExcuse(req: Request, res: Response): Promise<void> {
      const { reason } = formData<z.output<typeof excuseSchema>>(res);
      await attendance.submitExcuse(userOf(req), idParam(req), reason, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'attendance.excuse.submitted' });
      res.redirect(303, '/my/progress');
    },

    async openExcuses(req: Request, res: Response): Promise<void> {
      const excuses = await attendance.openExcuses(userOf(req));
      res.renderPage('attendance/excuses', { title: req.t('attendance.excuses.title'), excuses });
    },

    async acceptExcuse(req: Request, res: Response): Promise<void> {
      await attendance.decideExcuse(userOf(req), idParam(req), 'accepted', actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'attendance.excuses.accepted' });
      res.redirect(303, '/manage/excuses');
    },

    async declineExcuse(req: Request, res: Response): Promise<void> {
      await attendance.decideExcuse(userOf(req), idParam(req), 'declined', actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'attendance.excuses.declined' });
      res.redirect(303, '/manage/excuses');
    },
  };
}
