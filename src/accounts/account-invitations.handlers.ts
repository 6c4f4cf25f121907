import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import { actorOf } from '../audit/audit.service';
import { setFlash } from '../http/flash';
import { formData, type FormPage } from '../http/forms';
import { idParam, userOf } from '../http/request';
import { receivedUpload } from '../http/upload';
import { peopleListUpload } from '../http/list-upload';
import { Conflict, Invalid } from '../shared/errors';
import type { AccountInvitations } from './account-invitations.service';
import type { invitationConfirmSchema, invitationListSchema, invitationSchema } from './account-invitations.schemas';
import { MAX_INVITATION_ROWS, parseInvitationList, type InvitationRow } from './account-invitations.plan';
import { invitationPreviewView } from './account-invitations.view';
import { INVITATION_TTL_DAYS } from './invitations.service';
import type { OrganisationsService } from './organisations.service';
import { ROLES } from './roles';

/**
 * Between preview and "Jetzt einladen" the parsed rows wait in the session (a row in
 * PostgreSQL, shared by every instance) under a fresh id the confirm form names, so an
 * older tab's button can't confirm a newer list.
 */
type StoredInvitationPreview = { id: string; rows: InvitationRow[]; fingerprint: string; source: string | null };

declare module 'express-session' {
  interface SessionData {
    invitationPreview?: StoredInvitationPreview;
  }
}

const KEPT_SOURCE_MAX = 100_000;

export function createInvitationHandlers(invitations: AccountInvitations, organisations: OrganisationsService) {
  const common = { days: INVITATION_TTL_DAYS, maxRows: MAX_INVITATION_ROWS, roles: ROLES };

  const invitePage: FormPage = {
    view: 'admin/invitations',
    titleKey: 'admin.invitations.title',
    locals: async () => ({ ...common, organisations: await organisations.listForRegistration() }),
  };

  async function previewLocals(req: Request, rows: InvitationRow[], source: string | null) {
    const plan = await invitations.preview(userOf(req), rows);
    const previewId = randomUUID();
    req.session.invitationPreview = { id: previewId, rows, fingerprint: plan.fingerprint, source: source && source.length <= KEPT_SOURCE_MAX ? source : null };
    return { ...common, previewId, ...invitationPreviewView(plan, req.t), values: { list: source ?? '' } };
  }

  /** Shown again (422) when confirming finds the list changed since the preview. */
  const previewPage: FormPage = {
    view: 'admin/invitation-preview',
    titleKey: 'admin.invitations.preview.title',
    locals: async (req: Request) => {
      const stored = req.session.invitationPreview;
      if (!stored) throw new Conflict('admin.invitations.errors.previewGone');
      return previewLocals(req, stored.rows, stored.source);
    },
  };

  const upload = peopleListUpload(invitePage);

  return {
    invitePage,
    previewPage,
    upload,

    async invite(req: Request, res: Response): Promise<void> {
      const input = formData<z.output<typeof invitationSchema>>(res);
      await invitations.invite(userOf(req), input, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'admin.invitations.invited', params: { name: `${input.firstName} ${input.lastName}` } });
      res.redirect(303, '/admin/invitations');
    },

    async preview(req: Request, res: Response): Promise<void> {
      const { list } = formData<z.output<typeof invitationListSchema>>(res);
      const file = receivedUpload<string>(res, 'file');
      if (file && list.trim() !== '') throw new Invalid({ file: 'bulk.errors.both' });
      const field = file ? 'file' : 'list';
      const text = file ? file.content : list;
      const parsed = parseInvitationList(text);
      if (!parsed.ok) throw new Invalid({ [field]: parsed.error }, { [field]: parsed.params ?? {} });
      const locals = await previewLocals(req, parsed.rows, text);
      res.renderPage('admin/invitation-preview', { title: req.t('admin.invitations.preview.title'), errors: {}, ...locals });
    },

    async confirm(req: Request, res: Response): Promise<void> {
      const { previewId } = formData<z.output<typeof invitationConfirmSchema>>(res);
      const stored = req.session.invitationPreview;
      if (!stored || stored.id !== previewId) {
        setFlash(req, { type: 'warning', messageKey: 'admin.invitations.errors.previewGone' });
        return res.redirect(303, '/admin/invitations');
      }
      const result = await invitations.confirm(userOf(req), stored.rows, stored.fingerprint, actorOf(req));
      delete req.session.invitationPreview;
      setFlash(req, { type: 'success', messageKey: 'admin.invitations.done', params: { count: result.invited } });
      res.redirect(303, '/admin/users');
    },

    async resend(req: Request, res: Response): Promise<void> {
      const email = await invitations.resend(userOf(req), idParam(req), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'admin.users.invitationResent', params: { email } });
      res.redirect(303, `/admin/users/${idParam(req)}`);
    },
  };
}
