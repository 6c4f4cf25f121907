import type { Request, Response } from 'express';
import { actorOf } from '../audit/audit.service';
import { setFlash } from '../http/flash';
import { formData, renderFormPage, type FormPage } from '../http/forms';
import { idParam, userOf } from '../http/request';
import { keptInput } from '../http/validate';
import { pageNumber } from '../shared/paging';
import type { MessagesService } from './messages.service';
import { BODY_MAX, SUBJECT_MAX, type MessageInput } from './messages.schemas';
import { messageView } from './messages.view';

const offeringPath = (offeringId: number) => `/manage/offerings/${offeringId}/messages`;

/** Writing to the people of an offering: form → preview → send (POST → redirect → GET) → progress page. */
export function createMessagesHandlers(messages: MessagesService) {
  const composePage: FormPage = {
    view: 'messages/compose',
    titleKey: 'messages.compose.title',
    locals: async (req: Request) => ({ ...(await messages.compose(userOf(req), idParam(req))), limits: { subject: SUBJECT_MAX, body: BODY_MAX } }),
  };

  return {
    composePage,

    async list(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const { offering, messages: page } = await messages.list(userOf(req), offeringId, pageNumber(req.query.page));
      res.renderPage('messages/list', { title: req.t('messages.list.title', { offering: offering.title }), offering, page: { ...page, rows: page.rows.map((row) => messageView(req.t, row)) }, path: offeringPath(offeringId) });
    },

    async preview(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const input = formData<MessageInput>(res);
      const { offering, counts, mail } = await messages.preview(userOf(req), offeringId, input);
      res.renderPage('messages/preview', { title: req.t('messages.preview.title'), offering, counts, mail, input, values: keptInput(req.body), errors: {} });
    },

    async send(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const input = formData<MessageInput>(res);
      // "Ändern" on the preview: back to the form with what was written.
      if (input.action === 'edit') return renderFormPage(req, res, composePage, {}, keptInput(req.body));
      const { id, recipientCount } = await messages.send(userOf(req), offeringId, input, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'messages.sent', params: { count: recipientCount } });
      res.redirect(303, `${offeringPath(offeringId)}/${id}`);
    },

    async show(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const { offering, message, failed } = await messages.show(userOf(req), offeringId, idParam(req, 'messageId'));
      const view = messageView(req.t, message);
      res.renderPage('messages/show', { title: message.subject, offering, message: view, failed });
    },

    async retry(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const messageId = idParam(req, 'messageId');
      const retried = await messages.retryFailed(userOf(req), offeringId, messageId, actorOf(req));
      setFlash(req, { type: retried > 0 ? 'success' : 'info', messageKey: retried > 0 ? 'messages.retried' : 'messages.nothingToRetry', params: { count: retried } });
      res.redirect(303, `${offeringPath(offeringId)}/${messageId}`);
    },
  };
}
