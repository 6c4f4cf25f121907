import type { Request, Response } from 'express';
import { actorOf } from '../audit/audit.service';
import { setFlash } from '../http/flash';
import type { FormPage } from '../http/forms';
import { idParam, userOf } from '../http/request';
import { pageNumber } from '../shared/paging';
import type { ErasureService } from './erasure.service';

export function createErasureHandlers(erasure: ErasureService) {
  const pages = {
    /** The person's confirmation step before asking for deletion. */
    request: {
      view: 'privacy/erasure-request',
      titleKey: 'privacy.erasure.request.title',
      locals: async (req: Request) => ({ openRequest: await erasure.openRequestOf(userOf(req)) }),
    } satisfies FormPage,
    /** The admin's confirmation step before anonymising. */
    confirm: {
      view: 'privacy/erasure-confirm',
      titleKey: 'privacy.erasure.confirm.title',
      locals: async (req: Request) => ({ request: await erasure.openRequest(userOf(req), idParam(req)) }),
    } satisfies FormPage,
  };

  return {
    pages,

    async request(req: Request, res: Response): Promise<void> {
      const outcome = await erasure.request(userOf(req), actorOf(req));
      if (outcome === 'requested') {
        setFlash(req, { type: 'success', messageKey: 'privacy.erasure.request.sent' });
        return res.redirect(303, '/account');
      }
      // The account no longer exists as it was: its sessions are gone in the database, this one ends here too.
      await new Promise<void>((resolve, reject) => req.logout((error) => (error ? reject(error) : resolve())));
      setFlash(req, { type: 'success', messageKey: 'privacy.erasure.request.anonymised' });
      res.redirect(303, '/');
    },

    async list(req: Request, res: Response): Promise<void> {
      const requests = await erasure.openRequests(userOf(req), pageNumber(req.query.page));
      res.renderPage('privacy/erasure-requests', { title: req.t('privacy.erasure.list.title'), requests });
    },

    async anonymise(req: Request, res: Response): Promise<void> {
      await erasure.anonymise(userOf(req), idParam(req), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'privacy.erasure.confirm.done' });
      res.redirect(303, '/admin/erasure-requests');
    },
  };
}
