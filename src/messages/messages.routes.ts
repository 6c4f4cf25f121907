import { Router } from 'express';
import { validateForm, showForm } from '../http/forms';
import { requireRole } from '../http/guards';
import { createMessagesHandlers } from './messages.handlers';
import { messageSchema } from './messages.schemas';
import type { MessagesService } from './messages.service';

/** Messages to an offering's people; coordinators and admins (the service checks `messages.send`). */
export function messagesRouter(messages: MessagesService): Router {
  const handlers = createMessagesHandlers(messages);
  const coordinator = requireRole('coordinator', 'admin');
  const router = Router();
  router.get('/manage/offerings/:id/messages', coordinator, handlers.list);
  router.get('/manage/offerings/:id/messages/new', coordinator, showForm(handlers.composePage));
  router.post('/manage/offerings/:id/messages/preview', coordinator, validateForm(messageSchema, handlers.composePage), handlers.preview);
  router.post('/manage/offerings/:id/messages', coordinator, validateForm(messageSchema, handlers.composePage), handlers.send);
  router.get('/manage/offerings/:id/messages/:messageId', coordinator, handlers.show);
  router.post('/manage/offerings/:id/messages/:messageId/retry', coordinator, handlers.retry);
  return router;
}
