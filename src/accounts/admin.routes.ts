import { Router } from 'express';
import { showForm, validateForm } from '../http/forms';
import { requireRole } from '../http/guards';
import { createAdminHandlers } from './admin.handlers';
import { organisationSchema, roleChangeSchema } from './accounts.schemas';
import type { OrganisationsService } from './organisations.service';
import type { UserAdminService } from './user-admin.service';

export function adminRouter(users: UserAdminService, organisations: OrganisationsService): Router {
  const handlers = createAdminHandlers(users, organisations);
  const { pages } = handlers;
  const admin = requireRole('admin');
  const maintainer = requireRole('coordinator', 'admin');

  const router = Router();
  router.get('/admin/users', admin, handlers.listUsers);
  router.get('/admin/users/:id', admin, showForm(pages.userDetail));
  router.post('/admin/users/:id/role', admin, validateForm(roleChangeSchema, pages.userDetail), handlers.changeRole);
  router.post('/admin/users/:id/deactivate', admin, handlers.deactivate);
  router.post('/admin/users/:id/reactivate', admin, handlers.reactivate);
  router.get('/admin/organisations', maintainer, showForm(pages.organisations));
  router.post('/admin/organisations', maintainer, validateForm(organisationSchema, pages.organisations), handlers.createOrganisation);
  router.get('/admin/organisations/:id', maintainer, showForm(pages.organisationEdit));
  router.post('/admin/organisations/:id', maintainer, validateForm(organisationSchema, pages.organisationEdit), handlers.updateOrganisation);
  return router;
}
