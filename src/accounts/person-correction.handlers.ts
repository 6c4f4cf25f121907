import type { Request, Response } from 'express';
import { actorOf } from '../audit/audit.service';
import { setFlash } from '../http/flash';
import { formData, type FormPage } from '../http/forms';
import { idParam, userOf } from '../http/request';
import type { OrganisationsService } from './organisations.service';
import type { PersonCorrectionInput } from './person-correction.schemas';
import type { PersonCorrectionService } from './person-correction.service';

export function createPersonCorrectionHandlers(corrections: PersonCorrectionService, organisations: OrganisationsService) {
  const pages = {
    edit: {
      view: 'admin/user-edit',
      titleKey: 'privacy.erasure.correction.title',
      locals: async (req: Request) => {
        const [person, choices] = await Promise.all([corrections.get(userOf(req), idParam(req)), organisations.listForRegistration()]);
        return { person, organisations: choices };
      },
    } satisfies FormPage,
  };

  return {
    pages,

    async correct(req: Request, res: Response): Promise<void> {
      const id = idParam(req);
      await corrections.correct(userOf(req), id, formData<PersonCorrectionInput>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'privacy.erasure.correction.saved' });
      res.redirect(303, `/admin/users/${id}/edit`);
    },
  };
}
