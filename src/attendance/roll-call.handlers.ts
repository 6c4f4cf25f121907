import type { Request, Response } from 'express';
import type { z } from 'zod';
import { actorOf } from '../audit/audit.service';
import { idParam, userOf } from '../http/request';
import { setFlash } from '../http/flash';
import { formData } from '../http/forms';
import { peopleFilterSchema, type rollCallSchema } from './attendance.schemas';
import type { AttendanceService } from './attendance.service';
import { rollCallUrl } from './attendance.view';

/** The staff's sessions and saving the roll call (the page itself is in attendance.handlers.ts, the printed list in participant-list.handlers.ts). */
export function createRollCallHandlers(attendance: AttendanceService) {
  return {
    async overview(req: Request, res: Response): Promise<void> {
      const sessions = await attendance.sessionsForStaff(userOf(req));
      res.renderPage('attendance/overview', { title: req.t('attendance.overview.title'), sessions });
    },

    /** Saves the page that was posted; "save and next" goes on to the next page of the same search. */
    async saveRollCall(req: Request, res: Response): Promise<void> {
      const sessionId = idParam(req);
      const changed = await attendance.saveRollCall(userOf(req), sessionId, formData<z.output<typeof rollCallSchema>>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'attendance.rollCall.saved', params: { count: changed } });
      const filter = peopleFilterSchema.parse(req.query);
      const next = (req.body as Record<string, unknown>).then === 'next';
      res.redirect(303, rollCallUrl(sessionId, { q: filter.q, page: next ? filter.page + 1 : filter.page }));
    },
  };
}
