import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { ATTENDED_STATUSES } from '../attendance/attendance-rules';
import { offeringCompleted, seriesProgress, type AttendedSession } from '../attendance/completion';
import type { Database } from '../db/database';
import { NotFound } from '../shared/errors';
import { lastPageWindow, pageOf, pageWindow, type Page } from '../shared/paging';
import { subjectKeyFor } from './certificate.model';
import * as queries from './overview.queries';

/** People per page on the coordinator's certificate page. */
export const OVERVIEW_PAGE_SIZE = 50;

export type OverviewQuery = queries.OverviewFilter & { page: number };

/**
 * The coordinator's certificate page of an offering: the counts and bulk actions cover the
 * whole offering, the table shows one page of people. Who completed is decided by the
 * attendance domain's rules (completion.ts) on what the people attended, read in one query.
 */
export function createCertificateOverview(db: Database, now: () => Date) {
  async function completedAmong(offering: queries.OverviewOffering, moment: Date): Promise<number[]> {
    const rows = await queries.selectAttendedOfConfirmed(db, offering, ATTENDED_STATUSES, moment);
    const attendedBy = new Map<number, AttendedSession[]>();
    for (const row of rows) {
      const list = attendedBy.get(row.user_id) ?? [];
      list.push({ moduleId: row.module_id, offeringId: row.offering_id, startsAt: row.starts_at });
      attendedBy.set(row.user_id, list);
    }
    // Only people who attended something can have completed: a rule needs at least one module (a check constraint).
    const rule = { rule: offering.completion_rule, minModules: offering.completion_min_modules };
    return [...attendedBy]
      .filter(([, attended]) => (offering.kind === 'series' ? seriesProgress(offering.modules, rule, attended, [], moment).completed : offeringCompleted(attended, offering.id, moment)))
      .map(([userId]) => userId);
  }

  return async function overview(user: SessionUser, offeringId: number, query: OverviewQuery) {
    assertCan(user, 'certificates.manage');
    const offering = await queries.findOverviewOffering(db, offeringId);
    if (!offering) throw new NotFound();
    const scope = {
      offeringId,
      subjectKey: subjectKeyFor({ id: offering.programme_id, kind: offering.kind }, offeringId),
      completedUserIds: await completedAmong(offering, now()),
    };
    const filter = { state: query.state, search: query.search };
    const counts = await queries.countOverview(db, scope, filter);
    // A page past the end (the list shrank, or the URL was edited) shows the last one.
    const requested = pageWindow(query.page, OVERVIEW_PAGE_SIZE);
    const window = lastPageWindow(counts.matching, requested) ?? requested;
    const rows = counts.matching === 0 ? [] : await queries.selectOverviewPage(db, scope, filter, window);
    const page: Page<queries.OverviewRow> = pageOf(rows, counts.matching, window);
    return { offering, counts, page, filter };
  };
}
