import type { Request, Response } from 'express';
import type { z } from 'zod';
import { actorOf } from '../audit/audit.service';
import { idParam, userOf } from '../http/request';
import type { Config } from '../config';
import { setFlash } from '../http/flash';
import { formData } from '../http/forms';
import { formatDate } from '../shared/format';
import { peopleFilterSchema, type rollCallSchema } from './attendance.schemas';
import type { AttendanceService } from './attendance.service';
import { contentDisposition } from '../shared/files';
import { renderSignInSheet } from './sign-in-sheet.pdf';
import { rollCallUrl } from './attendance.view';

/** Empty rows at the end of the paper list for people who come without a seat. */
export const WALK_IN_ROWS = 5;

/** The staff's sessions, saving the roll call and printing the sign-in sheet (the page itself is in attendance.handlers.ts). */
export function createRollCallHandlers(attendance: AttendanceService, config: Config) {
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

    async signInSheet(req: Request, res: Response): Promise<void> {
      const { session, roster } = await attendance.rollCall(userOf(req), idParam(req));
      const doc = renderSignInSheet(
        {
          programmeTitle: session.programme_title,
          offeringTitle: session.offering_title,
          moduleTitle: session.module_title ? `${session.module_position}. ${session.module_title}` : null,
          startsAt: session.starts_at,
          endsAt: session.ends_at,
          location: session.location || session.offering_location,
          trainers: session.trainer_names,
          fundingLine: config.region.fundingLine,
          regionName: config.region.name,
          people: roster.map((row) => ({ name: `${row.last_name}, ${row.first_name}`, organisation: [row.organisation_name, row.department].filter(Boolean).join(' – ') })),
          walkInRows: WALK_IN_ROWS,
        },
        req.t,
        req.locale,
      );
      res.type('application/pdf');
      res.setHeader('Content-Disposition', contentDisposition('inline', `teilnehmendenliste-${formatDate(session.starts_at).replace(/\./g, '-')}-${session.id}.pdf`));
      doc.pipe(res);
      doc.end();
    },
  };
}
