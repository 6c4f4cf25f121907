import type { Request, Response } from 'express';
import type { z } from 'zod';
import { actorOf } from '../audit/audit.service';
import { setFlash } from '../http/flash';
import { formData, showForm, type FormPage } from '../http/forms';
import { NotFound } from '../shared/errors';
import type { OrganisationsService } from './organisations.service';
import type { OrganisationMerge } from './organisation-merge.service';
import type { UserAdminService } from './user-admin.service';
import { INVITATION_TTL_DAYS } from './invitations.service';
import { ORGANISATION_KINDS } from './organisations.queries';
import { ROLES } from './roles';
import { userFilterSchema, type organisationSchema, type roleChangeSchema } from './accounts.schemas';
import { userOf } from '../http/request';

function idParam(req: Request): number {
  const id = Number(req.params.id);
  if (!Number.isSafeInteger(id) || id <= 0) throw new NotFound();
  return id;
}


export function createAdminHandlers(users: UserAdminService, organisations: OrganisationsService, merges: OrganisationMerge, passwordResetTtlMinutes: number) {
  const pages = {
    userDetail: {
      view: 'admin/user-detail',
      titleKey: 'accounts.admin.userTitle',
      locals: async (req: Request) => ({ user: await users.getUser(userOf(req), idParam(req)), roles: ROLES, invitationDays: INVITATION_TTL_DAYS, resetMinutes: passwordResetTtlMinutes }),
    } satisfies FormPage,
    organisations: {
      view: 'admin/organisations',
      titleKey: 'accounts.organisations.title',
      locals: async (req: Request) => ({ organisations: await organisations.listAll(userOf(req)), kinds: ORGANISATION_KINDS }),
    } satisfies FormPage,
    organisationEdit: {
      view: 'admin/organisation-edit',
      titleKey: 'accounts.organisations.editTitle',
      locals: async (req: Request) => {
        const [organisation, mergeCandidates] = await Promise.all([organisations.get(userOf(req), idParam(req)), merges.candidates(userOf(req), idParam(req))]);
        return { organisation, kinds: ORGANISATION_KINDS, mergeCandidates };
      },
    } satisfies FormPage,
  };

  return {
    pages,

    async listUsers(req: Request, res: Response): Promise<void> {
      const filter = userFilterSchema.parse(req.query);
      const result = await users.listUsers(userOf(req), { search: filter.q, role: filter.role, status: filter.status, page: filter.page });
      res.renderPage('admin/users', { title: req.t('accounts.admin.usersTitle'), list: result, filter, roles: ROLES });
    },

    async changeRole(req: Request, res: Response): Promise<void> {
      const { role } = formData<z.output<typeof roleChangeSchema>>(res);
      await users.changeRole(userOf(req), idParam(req), role, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'accounts.admin.roleChanged' });
      res.redirect(303, `/admin/users/${idParam(req)}`);
    },

    async deactivate(req: Request, res: Response): Promise<void> {
      await users.setActive(userOf(req), idParam(req), false, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'accounts.admin.deactivated' });
      res.redirect(303, `/admin/users/${idParam(req)}`);
    },

    async reactivate(req: Request, res: Response): Promise<void> {
      await users.setActive(userOf(req), idParam(req), true, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'accounts.admin.reactivated' });
      res.redirect(303, `/admin/users/${idParam(req)}`);
    },

    async triggerPasswordReset(req: Request, res: Response): Promise<void> {
      const email = await users.triggerPasswordReset(userOf(req), idParam(req), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'admin.users.passwordResetSent', params: { email } });
      res.redirect(303, `/admin/users/${idParam(req)}`);
    },

    /** An organisation merged away: its old address (bookmarks, notes, old mails) leads to the one kept. */
    async showOrganisation(req: Request, res: Response): Promise<void> {
      try {
        await showForm(pages.organisationEdit)(req, res);
      } catch (error) {
        if (!(error instanceof NotFound)) throw error;
        const keptId = await merges.mergedInto(userOf(req), idParam(req));
        if (keptId === undefined) throw error;
        res.redirect(301, `/admin/organisations/${keptId}`);
      }
    },

    async createOrganisation(req: Request, res: Response): Promise<void> {
      await organisations.create(userOf(req), formData<z.output<typeof organisationSchema>>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'accounts.organisations.created' });
      res.redirect(303, '/admin/organisations');
    },

    async updateOrganisation(req: Request, res: Response): Promise<void> {
      await organisations.update(userOf(req), idParam(req), formData<z.output<typeof organisationSchema>>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'accounts.organisations.updated' });
      res.redirect(303, '/admin/organisations');
    },
  };
}
