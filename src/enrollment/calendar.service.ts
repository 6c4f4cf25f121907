import type { Config } from '../config';
import type { Database } from '../db/database';
import type { SessionUser } from '../accounts/roles';
import { hashToken, newSecretToken } from '../accounts/tokens';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { CatalogService } from '../catalog/catalog.service';
import { NotFound } from '../shared/errors';
import { toIcs } from './calendar.ics';
import * as queries from './enrollment.queries';
import { selectFeedSessions } from './my-dates.queries';

const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;

export function createCalendarService(db: Database, catalog: CatalogService, config: Config) {
  const host = new URL(config.baseUrl).host;

  return {
    feedUrl: (token: string) => `${config.baseUrl}/calendar/${token}.ics`,

    /** A new secret URL; any earlier one stops working at once. */
    async createFeed(userId: number, actor: Actor): Promise<string> {
      const { token, tokenHash } = newSecretToken();
      await queries.upsertCalendarFeed(db, userId, tokenHash);
      await recordAudit(db, actor, { action: 'calendar_feed.created', subjectType: 'user', subjectId: userId });
      return token;
    },

    async revokeFeed(userId: number, actor: Actor): Promise<void> {
      if ((await queries.deleteCalendarFeed(db, userId)) > 0) {
        await recordAudit(db, actor, { action: 'calendar_feed.revoked', subjectType: 'user', subjectId: userId });
      }
    },

    /** The subscribed feed: the person's sessions from a month ago on. */
    async feedFor(token: string): Promise<string> {
      const { ownerFound, sessions } = await selectFeedSessions(db, hashToken(token), new Date(Date.now() - THIRTY_DAYS_MS));
      if (!ownerFound) throw new NotFound();
      return toIcs(
        'KoKoMa Campus',
        sessions.map((session) => ({
          sessionId: session.session_id,
          sequence: session.calendar_sequence,
          cancelled: session.cancelled,
          start: session.starts_at,
          end: session.ends_at,
          summary: session.module_title ? `${session.programme_title}: ${session.module_title}` : session.offering_title,
          description: `${session.programme_title} – ${session.offering_title}${session.online_url ? `\n${session.online_url}` : ''}`,
          location: session.location,
          url: `${config.baseUrl}/offerings/${session.offering_id}`,
        })),
        host,
      );
    },

    async offeringCalendar(offeringId: number, viewer: SessionUser | undefined): Promise<string> {
      const detail = await catalog.getOffering(offeringId, viewer);
      return toIcs(
        detail.offering.title,
        detail.sessions.map((session) => ({
          sessionId: session.id,
          sequence: session.calendar_sequence,
          cancelled: detail.offering.status === 'cancelled',
          start: session.starts_at,
          end: session.ends_at,
          summary: session.module_title ? `${detail.programme.title}: ${session.module_title}` : detail.offering.title,
          description: `${detail.programme.title} – ${detail.offering.title}${session.online_url ? `\n${session.online_url}` : ''}`,
          location: session.location,
          url: `${config.baseUrl}/offerings/${offeringId}`,
        })),
        host,
      );
    },
  };
}

export type CalendarService = ReturnType<typeof createCalendarService>;
