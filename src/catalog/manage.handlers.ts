import type { Request, Response } from 'express';
import { actorOf } from '../audit/audit.service';
import { setFlash } from '../http/flash';
import { formData, type FormPage } from '../http/forms';
import { NotFound } from '../shared/errors';
import { CERTIFICATE_KINDS, COMPLETION_RULES, OFFERING_PERIODS, OFFERING_STATUS_CHOICES, PROGRAMME_KINDS, SESSION_TEACHING_UNITS_MAX } from './catalog.model';
import type { ManageCatalogService, SessionSaved } from './manage.service';
import { OFFERING_PAGE_SIZES, offeringFilterSchema, type ModuleInput, type NewOfferingInput, type OfferingInput, type ProgrammeInput, type SessionInput } from './manage.schemas';
import { describeTrainerConflicts, moduleFormValues, offeringFormValues, programmeFormValues, sessionFormValues, submittedIds } from './manage.view';
import { userOf } from '../http/request';

function numericParam(req: Request, name: string): number {
  const id = Number(req.params[name]);
  if (!Number.isSafeInteger(id) || id <= 0) throw new NotFound();
  return id;
}

const idParam = (req: Request) => numericParam(req, 'id');

/** Checkbox state after a failed submit is what was sent; otherwise what is stored. */
const checkedTrainers = (req: Request, stored: number[]) => (req.method === 'POST' ? submittedIds(req.body?.trainerIds) : stored);

const choices = { kinds: PROGRAMME_KINDS, certificateKinds: CERTIFICATE_KINDS, completionRules: COMPLETION_RULES };

export function createManageCatalogHandlers(catalog: ManageCatalogService) {
  const pages = {
    programmeNew: {
      view: 'manage/programme-form',
      titleKey: 'manage.programmes.createTitle',
      locals: () => ({ programme: null, current: programmeFormValues(), action: '/manage/programmes', ...choices }),
    } satisfies FormPage,
    programmeEdit: {
      view: 'manage/programme-form',
      titleKey: 'manage.programmes.editTitle',
      locals: async (req: Request) => {
        const { programme } = await catalog.getProgramme(userOf(req), idParam(req));
        return { programme, current: programmeFormValues(programme), action: `/manage/programmes/${programme.id}`, ...choices };
      },
    } satisfies FormPage,
    programmeDetail: {
      view: 'manage/programme',
      titleKey: 'manage.programmes.detailTitle',
      locals: async (req: Request) => {
        const detail = await catalog.getProgramme(userOf(req), idParam(req));
        return { ...detail, title: detail.programme.title, moduleCurrent: moduleFormValues() };
      },
    } satisfies FormPage,
    moduleEdit: {
      view: 'manage/module-edit',
      titleKey: 'manage.modules.editTitle',
      locals: async (req: Request) => {
        const { programme, module } = await catalog.getModule(userOf(req), idParam(req), numericParam(req, 'moduleId'));
        return { programme, module, current: moduleFormValues(module) };
      },
    } satisfies FormPage,
    offeringNew: {
      view: 'manage/offering-form',
      titleKey: 'manage.offerings.createTitle',
      locals: async (req: Request) => {
        const programmes = (await catalog.listProgrammeChoices(userOf(req))).filter((programme) => programme.active);
        return { offering: null, programme: null, programmes, current: offeringFormValues(), action: '/manage/offerings' };
      },
    } satisfies FormPage,
    offeringEdit: {
      view: 'manage/offering-form',
      titleKey: 'manage.offerings.editTitle',
      locals: async (req: Request) => {
        const { offering, programme } = await catalog.getOffering(userOf(req), idParam(req));
        return { offering, programme, programmes: [], current: offeringFormValues(offering), action: `/manage/offerings/${offering.id}` };
      },
    } satisfies FormPage,
    offeringDetail: {
      view: 'manage/offering',
      titleKey: 'manage.offerings.detailTitle',
      locals: async (req: Request) => {
        const [detail, trainers] = await Promise.all([catalog.getOffering(userOf(req), idParam(req)), catalog.listTrainers(userOf(req))]);
        return {
          ...detail,
          title: detail.offering.title,
          trainers,
          sessionCurrent: sessionFormValues(undefined, detail.offering.location),
          checkedTrainerIds: checkedTrainers(req, []),
          teachingUnitsMax: SESSION_TEACHING_UNITS_MAX,
        };
      },
    } satisfies FormPage,
    offeringCancel: {
      view: 'manage/offering-cancel',
      titleKey: 'manage.offerings.cancelTitle',
      locals: async (req: Request) => catalog.getOffering(userOf(req), idParam(req)),
    } satisfies FormPage,
    sessionDelete: {
      view: 'manage/session-delete',
      titleKey: 'manage.sessions.deleteTitle',
      locals: async (req: Request) => catalog.sessionToDelete(userOf(req), idParam(req), numericParam(req, 'sessionId')),
    } satisfies FormPage,
    sessionEdit: {
      view: 'manage/session-edit',
      titleKey: 'manage.sessions.editTitle',
      locals: async (req: Request) => {
        const [detail, trainers] = await Promise.all([
          catalog.getSession(userOf(req), idParam(req), numericParam(req, 'sessionId')),
          catalog.listTrainers(userOf(req)),
        ]);
        return {
          ...detail,
          trainers,
          current: sessionFormValues(detail.session),
          checkedTrainerIds: checkedTrainers(req, detail.trainerIds),
          teachingUnitsMax: SESSION_TEACHING_UNITS_MAX,
        };
      },
    } satisfies FormPage,
  };

  /** Saved; with a warning naming the other sessions when a trainer is double-booked. */
  function flashSessionSaved(req: Request, saved: SessionSaved, messageKey: string): void {
    if (saved.trainerConflicts.length === 0) return setFlash(req, { type: 'success', messageKey });
    setFlash(req, {
      type: 'warning',
      messageKey: 'manage.sessions.savedWithConflicts',
      params: { conflicts: describeTrainerConflicts(saved.trainerConflicts, req.t, req.locale) },
    });
  }

  return {
    pages,

    async listProgrammes(req: Request, res: Response): Promise<void> {
      const programmes = await catalog.listProgrammes(userOf(req));
      res.renderPage('manage/programmes', { title: req.t('manage.programmes.title'), programmes });
    },

    async createProgramme(req: Request, res: Response): Promise<void> {
      const id = await catalog.createProgramme(userOf(req), formData<ProgrammeInput>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'manage.programmes.created' });
      res.redirect(303, `/manage/programmes/${id}`);
    },

    async updateProgramme(req: Request, res: Response): Promise<void> {
      await catalog.updateProgramme(userOf(req), idParam(req), formData<ProgrammeInput>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'manage.programmes.updated' });
      res.redirect(303, `/manage/programmes/${idParam(req)}`);
    },

    async addModule(req: Request, res: Response): Promise<void> {
      await catalog.addModule(userOf(req), idParam(req), formData<ModuleInput>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'manage.modules.created' });
      res.redirect(303, `/manage/programmes/${idParam(req)}`);
    },

    async updateModule(req: Request, res: Response): Promise<void> {
      await catalog.updateModule(userOf(req), idParam(req), numericParam(req, 'moduleId'), formData<ModuleInput>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'manage.modules.updated' });
      res.redirect(303, `/manage/programmes/${idParam(req)}`);
    },

    async moveModule(req: Request, res: Response): Promise<void> {
      const { direction } = formData<{ direction: 'up' | 'down' }>(res);
      await catalog.moveModule(userOf(req), idParam(req), numericParam(req, 'moduleId'), direction, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'manage.modules.moved' });
      res.redirect(303, `/manage/programmes/${idParam(req)}`);
    },

    async listOfferings(req: Request, res: Response): Promise<void> {
      const filter = offeringFilterSchema.parse(req.query);
      const [offerings, programmes] = await Promise.all([
        catalog.listOfferings(userOf(req), { programmeId: filter.programme, period: filter.period, status: filter.status, search: filter.q, page: filter.page, pageSize: filter.size }),
        catalog.listProgrammeChoices(userOf(req)),
      ]);
      res.renderPage('manage/offerings', {
        title: req.t('manage.offerings.title'),
        offerings,
        programmes,
        filter,
        periods: OFFERING_PERIODS,
        statuses: OFFERING_STATUS_CHOICES,
        pageSizes: OFFERING_PAGE_SIZES,
      });
    },

    async createOffering(req: Request, res: Response): Promise<void> {
      const id = await catalog.createOffering(userOf(req), formData<NewOfferingInput>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'manage.offerings.created' });
      res.redirect(303, `/manage/offerings/${id}`);
    },

    async updateOffering(req: Request, res: Response): Promise<void> {
      await catalog.updateOffering(userOf(req), idParam(req), formData<OfferingInput>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'manage.offerings.updated' });
      res.redirect(303, `/manage/offerings/${idParam(req)}`);
    },

    async publishOffering(req: Request, res: Response): Promise<void> {
      await catalog.publishOffering(userOf(req), idParam(req), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'manage.offerings.published' });
      res.redirect(303, `/manage/offerings/${idParam(req)}`);
    },

    async cancelOffering(req: Request, res: Response): Promise<void> {
      await catalog.cancelOffering(userOf(req), idParam(req), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'manage.offerings.cancelled' });
      res.redirect(303, `/manage/offerings/${idParam(req)}`);
    },

    async addSession(req: Request, res: Response): Promise<void> {
      const saved = await catalog.addSession(userOf(req), idParam(req), formData<SessionInput>(res), actorOf(req));
      flashSessionSaved(req, saved, 'manage.sessions.created');
      res.redirect(303, `/manage/offerings/${idParam(req)}`);
    },

    async updateSession(req: Request, res: Response): Promise<void> {
      const saved = await catalog.updateSession(userOf(req), idParam(req), numericParam(req, 'sessionId'), formData<SessionInput>(res), actorOf(req));
      flashSessionSaved(req, saved, 'manage.sessions.updated');
      res.redirect(303, `/manage/offerings/${idParam(req)}`);
    },

    async deleteSession(req: Request, res: Response): Promise<void> {
      await catalog.deleteSession(userOf(req), idParam(req), numericParam(req, 'sessionId'), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'manage.sessions.deleted' });
      res.redirect(303, `/manage/offerings/${idParam(req)}`);
    },
  };
}
