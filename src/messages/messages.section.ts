import type { NextFunction, Request, Response } from 'express';
import type { MessagesService } from './messages.service';
import { messageView } from './messages.view';

/** Messages shown with their delivery on the offering's page; the rest are on the messages page. */
export const RECENT_MESSAGES_SHOWN = 3;

/**
 * The offering's page (catalog) shows the latest messages and how far their delivery is, so
 * a coordinator who just sent one sees "120 von 300 zugestellt" there. Runs before the
 * catalog's handler and leaves its result in `res.locals.offeringMessages` (one statement).
 */
export function offeringMessagesSection(messages: MessagesService) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const offeringId = Number(req.params.id);
    if (req.user && Number.isSafeInteger(offeringId) && offeringId > 0) {
      const recent = await messages.recentOfOffering(req.user, offeringId, RECENT_MESSAGES_SHOWN);
      if (recent) res.locals.offeringMessages = { total: recent.total, messages: recent.messages.map((message) => messageView(req.t, message)) };
    }
    next();
  };
}
