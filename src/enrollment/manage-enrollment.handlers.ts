import type { Request, Response } from 'express';
import type { z } from 'zod';
import { actorOf } from '../audit/audit.service';
import { idParam, userOf } from '../http/request';
import type { CatalogService } from '../catalog/catalog.service';
import type { ManageCatalogService } from '../catalog/manage.service';
import { setFlash } from '../http/flash';
import { formData, type FormPage } from '../http/forms';
import { NotFound } from '../shared/errors';
import type { EnrollmentService } from './enrollment.service';
import type { capacitySchema, enrollByHandSchema, moveSchema } from './enrollment.schemas';


export function createManageEnrollmentHandlers(enrollment: EnrollmentService, catalog: CatalogService, offerings: Pick<ManageCatalogService, 'changeCapacity'>) {
  const listPage: FormPage = {
    view: 'enrollment/manage',
    titleKey: 'enrollment.manage.title',
    locals: async (req: Request) => {
      const offeringId = idParam(req);
      const offering = await catalog.offeringSummary(offeringId);
      if (!offering) throw new NotFound();
      const { rows, counts } = await enrollment.listForOffering(userOf(req), offeringId);
      const otherOfferings = await catalog.otherOfferingsOfProgramme(offering.programme_id, offeringId);
      return { offering, rows, counts, otherOfferings };
    },
  };
  const back = (offeringId: number) => `/manage/offerings/${offeringId}/enrollments`;
  const offeringOfEnrollment = async (req: Request) => {
    const offeringId = Number(req.body?.offeringId);
    return Number.isSafeInteger(offeringId) && offeringId > 0 ? offeringId : null;
  };

  return {
    listPage,

    async enrollByHand(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const { email } = formData<z.output<typeof enrollByHandSchema>>(res);
      const outcome = await enrollment.enrollByHand(userOf(req), offeringId, email, actorOf(req));
      setFlash(req, { type: 'success', messageKey: `enrollment.manage.enrolled.${outcome.status}`, params: { email, position: outcome.position } });
      res.redirect(303, back(offeringId));
    },

    async changeCapacity(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const { capacity } = formData<z.output<typeof capacitySchema>>(res);
      // The catalog owns the capacity; it fills freed seats from the waitlist through the enrollment domain.
      await offerings.changeCapacity(userOf(req), offeringId, capacity, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'enrollment.manage.capacityChanged', params: { capacity } });
      res.redirect(303, back(offeringId));
    },

    async approve(req: Request, res: Response): Promise<void> {
      const status = await enrollment.decide(userOf(req), idParam(req), 'approve', actorOf(req));
      setFlash(req, { type: 'success', messageKey: `enrollment.manage.approved.${status}` });
      res.redirect(303, back((await offeringOfEnrollment(req)) ?? 0));
    },

    async reject(req: Request, res: Response): Promise<void> {
      await enrollment.decide(userOf(req), idParam(req), 'reject', actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'enrollment.manage.rejected' });
      res.redirect(303, back((await offeringOfEnrollment(req)) ?? 0));
    },

    async cancel(req: Request, res: Response): Promise<void> {
      await enrollment.cancelByCoordinator(userOf(req), idParam(req), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'enrollment.manage.cancelled' });
      res.redirect(303, back((await offeringOfEnrollment(req)) ?? 0));
    },

    async move(req: Request, res: Response): Promise<void> {
      const { targetOfferingId } = formData<z.output<typeof moveSchema>>(res);
      const outcome = await enrollment.move(userOf(req), idParam(req, 'enrollmentId'), targetOfferingId, actorOf(req));
      setFlash(req, { type: 'success', messageKey: `enrollment.manage.moved.${outcome.status}`, params: { position: outcome.position } });
      res.redirect(303, back(idParam(req)));
    },
  };
}
