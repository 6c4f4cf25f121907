import type { Request, Response } from 'express';
import { actorOf } from '../audit/audit.service';
import { idParam, userOf } from '../http/request';
import { setFlash } from '../http/flash';
import { safeReturnPath } from '../http/guards';
import { contentDisposition } from '../shared/files';
import type { EnrollmentService } from './enrollment.service';
import type { CalendarService } from './calendar.service';


export function createEnrollmentHandlers(enrollment: EnrollmentService, calendar: CalendarService) {
  return {
    async enroll(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const outcome = await enrollment.enroll(userOf(req), offeringId, actorOf(req));
      setFlash(req, {
        type: outcome.status === 'confirmed' ? 'success' : 'info',
        messageKey: `enrollment.flash.${outcome.status}`,
        params: { position: outcome.position },
      });
      res.redirect(303, `/offerings/${offeringId}`);
    },

    /** The confirmation page: what happens to the seat, then the button that really cancels. */
    async cancelPage(req: Request, res: Response): Promise<void> {
      const cancellation = await enrollment.ownCancellation(userOf(req), idParam(req));
      res.renderPage('enrollment/cancel', {
        title: req.t('enrollment.cancel.title'),
        cancellation,
        returnTo: safeReturnPath(req.query.returnTo, `/offerings/${cancellation.offeringId}`),
      });
    },

    async cancel(req: Request, res: Response): Promise<void> {
      // A cancel button without the confirmation (e.g. on the offering page) leads to the confirmation page first.
      if (req.body?.confirm !== 'yes') {
        // Refused at once (404, 409) when cancelling is not possible any more.
        await enrollment.ownCancellation(userOf(req), idParam(req));
        const returnTo = safeReturnPath(req.body?.returnTo, '');
        res.redirect(303, `/enrollments/${idParam(req)}/cancel${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`);
        return;
      }
      await enrollment.cancelOwn(userOf(req), idParam(req), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'enrollment.flash.cancelled' });
      res.redirect(303, safeReturnPath(req.body?.returnTo, '/my/dates'));
    },

    async myDates(req: Request, res: Response): Promise<void> {
      const user = userOf(req);
      const { sessions, enrollments, feedActive } = await enrollment.datesOf(user.id, new Date());
      const newFeedToken = req.session.newCalendarToken;
      delete req.session.newCalendarToken;
      res.renderPage('enrollment/my-dates', {
        title: req.t('enrollment.myDates.title'),
        sessions,
        enrollments,
        feedActive,
        feedUrl: newFeedToken ? calendar.feedUrl(newFeedToken) : null,
      });
    },

    async createFeed(req: Request, res: Response): Promise<void> {
      req.session.newCalendarToken = await calendar.createFeed(userOf(req).id, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'enrollment.calendar.created' });
      res.redirect(303, '/my/dates#calendar');
    },

    async revokeFeed(req: Request, res: Response): Promise<void> {
      await calendar.revokeFeed(userOf(req).id, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'enrollment.calendar.revoked' });
      res.redirect(303, '/my/dates#calendar');
    },

    async feed(req: Request, res: Response): Promise<void> {
      const ics = await calendar.feedFor(String(req.params.token));
      res.type('text/calendar; charset=utf-8').setHeader('Cache-Control', 'private, max-age=300');
      res.send(ics);
    },

    async offeringIcs(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const ics = await calendar.offeringCalendar(offeringId, req.user);
      res.type('text/calendar; charset=utf-8');
      res.setHeader('Content-Disposition', contentDisposition('attachment', `termine-${offeringId}.ics`));
      res.send(ics);
    },
  };
}

declare module 'express-session' {
  interface SessionData {
    /** Shown once on "Meine Termine" right after the feed was created; only its hash is stored. */
    newCalendarToken?: string;
  }
}
