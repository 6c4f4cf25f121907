import type { Request, Response } from 'express';
import type { z } from 'zod';
import { actorOf } from '../audit/audit.service';
import { setFlash } from '../http/flash';
import { formData, type FormPage } from '../http/forms';
import { idParam, userOf } from '../http/request';
import type { OrganisationMerge } from './organisation-merge.service';
import type { mergeConfirmSchema, mergePreviewSchema } from './organisation-merge.schemas';

export function createMergeHandlers(merges: OrganisationMerge) {
  /** The preview for the chosen organisation; shown again (422) when the figures changed meanwhile. */
  const previewPage: FormPage = {
    view: 'admin/organisation-merge',
    titleKey: 'admin.merge.title',
    locals: async (req: Request) => {
      const keepId = Number((req.body as Record<string, unknown> | undefined)?.keepId);
      return { preview: await merges.preview(userOf(req), idParam(req), keepId) };
    },
  };

  return {
    previewPage,

    async preview(req: Request, res: Response): Promise<void> {
      const { keepId } = formData<z.output<typeof mergePreviewSchema>>(res);
      const preview = await merges.preview(userOf(req), idParam(req), keepId);
      res.renderPage('admin/organisation-merge', { title: req.t('admin.merge.title'), errors: {}, values: {}, preview });
    },

    async confirm(req: Request, res: Response): Promise<void> {
      const { keepId, expectedPeople } = formData<z.output<typeof mergeConfirmSchema>>(res);
      const result = await merges.merge(userOf(req), idParam(req), keepId, expectedPeople, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'admin.merge.done', params: { removed: result.removed, kept: result.kept, count: result.people } });
      res.redirect(303, `/admin/organisations/${keepId}`);
    },
  };
}
