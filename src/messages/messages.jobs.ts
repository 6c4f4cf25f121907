import type { ScheduledJob } from '../jobs/jobs';
import * as queries from './messages.queries';
import { createMessagesService, MESSAGE_RECORD_DAYS, type MessagesDeps } from './messages.service';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Every minute on whichever instance takes it: composes the mails of messages whose sending
 * instance stopped before finishing (sending starts this right away on its own instance), and
 * deletes message records older than MESSAGE_RECORD_DAYS.
 */
export function messageExpansionJob(deps: MessagesDeps): ScheduledJob {
  const messages = createMessagesService(deps);
  return {
    name: 'coordinator-messages',
    cron: '* * * * *',
    run: async () => {
      await messages.expandPending();
      const deleted = await queries.deleteMessagesBefore(deps.db, new Date(Date.now() - MESSAGE_RECORD_DAYS * DAY_MS));
      if (deleted > 0) deps.logger.info({ deleted }, 'coordinator messages past retention deleted');
    },
  };
}
