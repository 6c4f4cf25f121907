import type { Request, Response } from 'express';
import { idParam, userOf } from '../http/request';
import { pageNumber } from '../shared/paging';
import type { MessageHistory } from './history.service';
import { historyRows } from './history.view';

/** GET /my/messages and GET /reports/people/:userId/messages: the message history as a paged table. */
export function createHistoryHandlers(history: MessageHistory) {
  return {
    async mine(req: Request, res: Response): Promise<void> {
      const page = await history.mine(userOf(req), pageNumber(req.query.page));
      res.renderPage('messages/history', { title: req.t('messages.history.mineTitle'), person: null, page: historyRows(req.t, page), path: '/my/messages' });
    },

    async ofPerson(req: Request, res: Response): Promise<void> {
      const userId = idParam(req, 'userId');
      const { person, page } = await history.ofPerson(userOf(req), userId, pageNumber(req.query.page));
      const title = req.t('messages.history.personTitle', { name: `${person.firstName} ${person.lastName}` });
      res.renderPage('messages/history', { title, person, page: historyRows(req.t, page), path: `/reports/people/${userId}/messages` });
    },
  };
}
