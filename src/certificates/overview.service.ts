import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { completedInOffering } from '../attendance/completion-read';
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
 * whole offering, the table shows one page of people. Who completed is attendance's decision
 * (completion-read.ts); three statements, a fourth only for a page past the end.
 */
export function createCertificateOverview(db: Database, now: () => Date) {
  return async function overview(user: SessionUser, offeringId: number, query: OverviewQuery) {
    assertCan(user, 'certificates.manage');
    const offering = await queries.findOverviewOffering(db, offeringId);
    if (!offering) throw new NotFound();
    const scope = {
      offeringId,
      subjectKey: subjectKeyFor({ id: offering.programme_id, kind: offering.kind }, offeringId),
      completedUserIds: [...(await completedInOffering(db, offering, now()))],
    };
    const filter = { state: query.state, search: query.search };
    const requested = pageWindow(query.page, OVERVIEW_PAGE_SIZE);
    let { counts, rows } = await queries.selectOverview(db, scope, filter, requested);
    // A page past the end (the list shrank, or the URL was edited) shows the last one.
    const window = lastPageWindow(counts.matching, requested) ?? requested;
    if (window !== requested) ({ counts, rows } = await queries.selectOverview(db, scope, filter, window));
    const page: Page<queries.OverviewRow> = pageOf(rows, counts.matching, window);
    return { offering, counts, page, filter };
  };
}
