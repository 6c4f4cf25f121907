import type { Request, Response } from 'express';
import type { z } from 'zod';
import { actorOf } from '../audit/audit.service';
import { idParam, userOf } from '../http/request';
import type { CatalogService } from '../catalog/catalog.service';
import type { ManageCatalogService } from '../catalog/manage.service';
import { setFlash } from '../http/flash';
import { formData, type FormPage } from '../http/forms';
import { Invalid, NotFound } from '../shared/errors';
import type { EnrollmentService } from './enrollment.service';
import { LIST_STATUSES, listFilterSchema, type capacitySchema, type enrollByHandSchema, type moveSchema } from './enrollment.schemas';
import { listParams, listPath, listQuery, openMoveTargets } from './manage-enrollment.view';

export function createManageEnrollmentHandlers(enrollment: EnrollmentService, catalog: CatalogService, offerings: Pick<ManageCatalogService, 'changeCapacity'>) {
  const offeringOrNotFound = async (offeringId: number) => {
    const offering = await catalog.offeringSummary(offeringId);
    if (!offering) throw new NotFound();
    return offering;
  };

  const listPage: FormPage = {
    view: 'enrollment/manage',
    titleKey: 'enrollment.manage.title',
    locals: async (req: Request) => {
      const offeringId = idParam(req);
      const filter = listFilterSchema.parse(req.query);
      // The service refuses outsiders at once, before any answer from the database.
      const [{ counts, list }, offering] = await Promise.all([enrollment.listPage(userOf(req), offeringId, filter), offeringOrNotFound(offeringId)]);
      const shown = { ...filter, page: list.page };
      return { offering, counts, list, filter: shown, statuses: LIST_STATUSES, params: listParams(shown), query: listQuery(shown), path: listPath(offeringId, {}) };
    },
  };

  /** One person, the offerings of the same programme and the submit button; the list keeps only a link here. */
  const movePage: FormPage = {
    view: 'enrollment/move',
    titleKey: 'enrollment.move.title',
    locals: async (req: Request) => {
      const offeringId = idParam(req);
      const filter = listFilterSchema.parse(req.query);
      const [person, offering] = await Promise.all([enrollment.enrollmentToMove(userOf(req), offeringId, idParam(req, 'enrollmentId')), offeringOrNotFound(offeringId)]);
      const candidates = await catalog.otherOfferingsOfProgramme(offering.programme_id, offeringId);
      const targets = openMoveTargets(candidates, await catalog.sessionsOfOfferings(candidates.map((target) => target.id)), new Date());
      return { offering, person, targets, query: listQuery(filter), backPath: listPath(offeringId, filter) };
    },
  };

  /** Where an action on the list returns to: the list with the filter and page it was sent from. */
  const backToList = (offeringId: number, source: unknown) => listPath(offeringId, listFilterSchema.parse(source ?? {}));
  const offeringOfEnrollment = (req: Request) => {
    const offeringId = Number(req.body?.offeringId);
    return Number.isSafeInteger(offeringId) && offeringId > 0 ? offeringId : 0;
  };

  return {
    listPage,
    movePage,

    async enrollByHand(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const { email } = formData<z.output<typeof enrollByHandSchema>>(res);
      const outcome = await enrollment.enrollByHand(userOf(req), offeringId, email, actorOf(req));
      setFlash(req, { type: 'success', messageKey: `enrollment.manage.enrolled.${outcome.status}`, params: { email, position: outcome.position } });
      res.redirect(303, listPath(offeringId, {}));
    },

    async changeCapacity(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const { capacity } = formData<z.output<typeof capacitySchema>>(res);
      // The catalog owns the capacity; it fills freed seats from the waitlist through the enrollment domain.
      await offerings.changeCapacity(userOf(req), offeringId, capacity, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'enrollment.manage.capacityChanged', params: { capacity } });
      res.redirect(303, listPath(offeringId, {}));
    },

    async approve(req: Request, res: Response): Promise<void> {
      const status = await enrollment.decide(userOf(req), idParam(req), 'approve', actorOf(req));
      setFlash(req, { type: 'success', messageKey: `enrollment.manage.approved.${status}` });
      res.redirect(303, backToList(offeringOfEnrollment(req), req.body));
    },

    async reject(req: Request, res: Response): Promise<void> {
      await enrollment.decide(userOf(req), idParam(req), 'reject', actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'enrollment.manage.rejected' });
      res.redirect(303, backToList(offeringOfEnrollment(req), req.body));
    },

    async cancel(req: Request, res: Response): Promise<void> {
      await enrollment.cancelByCoordinator(userOf(req), idParam(req), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'enrollment.manage.cancelled' });
      res.redirect(303, backToList(offeringOfEnrollment(req), req.body));
    },

    async move(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const { targetOfferingId } = formData<z.output<typeof moveSchema>>(res);
      // The page offers no offering that is over; a hand-made request for one is refused the same way.
      const targetSessions = await catalog.sessionsOfOfferings([targetOfferingId]);
      if (openMoveTargets([{ id: targetOfferingId, status: 'open' }], targetSessions, new Date()).length === 0) throw new Invalid({ targetOfferingId: 'enrollment.errors.targetEnded' });
      const outcome = await enrollment.move(userOf(req), offeringId, idParam(req, 'enrollmentId'), targetOfferingId, actorOf(req));
      setFlash(req, { type: 'success', messageKey: `enrollment.manage.moved.${outcome.status}`, params: { position: outcome.position } });
      // The move form is posted to its own URL with the list's filter in the query.
      res.redirect(303, backToList(offeringId, req.query));
    },
  };
}
