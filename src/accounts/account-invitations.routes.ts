import { Router } from 'express';
import { showForm, validateForm } from '../http/forms';
import { requireRole } from '../http/guards';
import { createInvitationHandlers } from './account-invitations.handlers';
import { invitationConfirmSchema, invitationListSchema, invitationSchema } from './account-invitations.schemas';
import type { AccountInvitations } from './account-invitations.service';
import type { OrganisationsService } from './organisations.service';

/** Inviting people (administration only: an invitation grants a role). */
export function accountInvitationsRouter(invitations: AccountInvitations, organisations: OrganisationsService): Router {
  const handlers = createInvitationHandlers(invitations, organisations);
  const admin = requireRole('admin');

  const router = Router();
  router.get('/admin/invitations', admin, showForm(handlers.invitePage));
  router.post('/admin/invitations', admin, validateForm(invitationSchema, handlers.invitePage), handlers.invite);
  router.post('/admin/invitations/list', admin, handlers.upload.receive, handlers.upload.validate(invitationListSchema), handlers.preview);
  router.post('/admin/invitations/list/confirm', admin, validateForm(invitationConfirmSchema, handlers.previewPage), handlers.confirm);
  router.post('/admin/users/:id/invitation', admin, handlers.resend);
  return router;
}
