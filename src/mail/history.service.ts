import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import type { Database } from '../db/database';
import { NotFound } from '../shared/errors';
import { pageOf, pageWindow, type Page } from '../shared/paging';
import * as queries from './history.queries';

export const HISTORY_PAGE_SIZE = 50;
/** The message history is kept a year: long enough to answer "was I told?" for a whole course, short enough to hold no old contact trail. */
export const MESSAGE_HISTORY_DAYS = 365;

export type HistoryEntry = { id: number; kind: string; subject: string; queuedAt: Date; sentAt: Date | null; failedAt: Date | null; state: queries.MessageState };

function entryOf(row: Omit<queries.HistoryRow, 'total'>): HistoryEntry {
  return { id: row.id, kind: row.kind, subject: row.subject, queuedAt: row.queued_at, sentAt: row.sent_at, failedAt: row.failed_at, state: row.state };
}

/**
 * The per-person message history (what the platform mailed a person, and whether it went
 * out): the person's own, and anybody's for coordination (permission `reports.view`).
 */
export function createMessageHistory(db: Database) {
  async function pageFor(userId: number, page: number): Promise<Page<HistoryEntry>> {
    const window = pageWindow(page, HISTORY_PAGE_SIZE);
    const rows = await queries.selectHistoryPage(db, userId, window.limit, window.offset);
    return pageOf(rows.map(entryOf), rows[0]?.total ?? 0, window);
  }

  return {
    mine: (user: SessionUser, page: number) => pageFor(user.id, page),

    async ofPerson(user: SessionUser, userId: number, page: number) {
      assertCan(user, 'reports.view');
      const person = await queries.selectHistoryPerson(db, userId);
      if (!person) throw new NotFound();
      return { person: { userId: person.user_id, firstName: person.first_name, lastName: person.last_name, email: person.email }, page: await pageFor(userId, page) };
    },
  };
}

export type MessageHistory = ReturnType<typeof createMessageHistory>;
