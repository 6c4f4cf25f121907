import { Router } from 'express';
import { showForm, validateForm } from '../http/forms';
import { requireRole } from '../http/guards';
import { createAdminHandlers } from './admin.handlers';
import { organisationSchema, roleChangeSchema } from './accounts.schemas';
import type { OrganisationsService } from './organisations.service';
import { createMergeHandlers } from './organisation-merge.handlers';
import { mergeConfirmSchema, mergePreviewSchema } from './organisation-merge.schemas';
import type { OrganisationMerge } from './organisation-merge.service';
import type { UserAdminService } from './user-admin.service';

export function adminRouter(users: UserAdminService, organisations: OrganisationsService, merges: OrganisationMerge, passwordResetTtlMinutes: number): Router {
  const handlers = createAdminHandlers(users, organisations, merges, passwordResetTtlMinutes);
  const merge = createMergeHandlers(merges);
  const { pages } = handlers;
  const admin = requireRole('admin');
  const maintainer = requireRole('coordinator', 'admin');

  const router = Router();
  router.get('/admin/users', admin, handlers.listUsers);
  router.get('/admin/users/:id', admin, showForm(pages.userDetail));
  router.post('/admin/users/:id/role', admin, validateForm(roleChangeSchema, pages.userDetail), handlers.changeRole);
  router.post('/admin/users/:id/deactivate', admin, handlers.deactivate);
  router.post('/admin/users/:id/reactivate', admin, handlers.reactivate);
  router.post('/admin/users/:id/password-reset', admin, handlers.triggerPasswordReset);
  router.get('/admin/organisations', maintainer, showForm(pages.organisations));
  router.post('/admin/organisations', maintainer, validateForm(organisationSchema, pages.organisations), handlers.createOrganisation);
  router.get('/admin/organisations/:id', maintainer, handlers.showOrganisation);
  router.post('/admin/organisations/:id', maintainer, validateForm(organisationSchema, pages.organisationEdit), handlers.updateOrganisation);
  // Merging a duplicate: the edit page's form asks for a preview, the preview's button confirms.
  router.post('/admin/organisations/:id/merge', maintainer, validateForm(mergePreviewSchema, pages.organisationEdit), merge.preview);
  router.post('/admin/organisations/:id/merge/confirm', maintainer, validateForm(mergeConfirmSchema, merge.previewPage), merge.confirm);
  return router;
}
