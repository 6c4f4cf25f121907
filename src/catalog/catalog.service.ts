import type { Database } from '../db/database';
import type { SessionUser } from '../accounts/roles';
import { can } from '../accounts/permissions';
import { NotFound } from '../shared/errors';
import { lastPageWindow, pageOf, pageWindow, type Page } from '../shared/paging';
import { cancellationDeadline, mayCancelOwnEnrollment, registrationState } from './offering-rules';
import type { EnrollmentService } from '../enrollment/enrollment.service';
import * as queries from './catalog.queries';

export type CatalogFilter = { kind?: queries.ProgrammeKind; programmeId?: number; month?: string; freeOnly: boolean; page: number };

/** Cards per page: a page stays a few dozen KB however much is on offer. */
export const CATALOG_PAGE_SIZE = 20;

export type CatalogCard = Omit<queries.CatalogCardRow, 'total' | 'confirmed'> & { seatsLeft: number; registrationOpen: boolean };

/** The public catalog: published offerings with their dates and free seats. */
export function createCatalogService(db: Database, enrollment: EnrollmentService, now: () => Date = () => new Date()) {
  return {
    /** One page of what participants can still use: published, not ended, full ones marked; with the programmes to filter by. */
    async listUpcoming(filter: CatalogFilter): Promise<{ offerings: Page<CatalogCard>; programmes: queries.CatalogProgrammeRow[] }> {
      const moment = now();
      const select = (window: { limit: number; offset: number }) =>
        queries.selectCatalogPage(db, { kind: filter.kind, programmeId: filter.programmeId, month: filter.month, freeOnly: filter.freeOnly, now: moment, ...window });
      let window = pageWindow(filter.page, CATALOG_PAGE_SIZE);
      const [firstTry, programmes] = await Promise.all([select(window), queries.selectCatalogProgrammes(db, moment, filter.programmeId)]);
      let rows = firstTry;
      let total = rows[0]?.total ?? 0;
      if (rows.length === 0 && window.page > 1) {
        // Past the end (an old link): the total comes from the first page, then the last page is shown.
        total = (await select({ limit: 1, offset: 0 }))[0]?.total ?? 0;
        const last = lastPageWindow(total, window);
        if (last) {
          window = last;
          rows = await select(window);
        }
      }
      const cards = rows.map(({ total: _total, confirmed, ...row }) => ({
        ...row,
        seatsLeft: Math.max(0, row.capacity - confirmed),
        registrationOpen: registrationState(row, moment) === 'open',
      }));
      return { offerings: pageOf(cards, total, window), programmes };
    },

    async getOffering(offeringId: number, viewer: SessionUser | undefined) {
      const summary = await queries.selectOfferingDetail(db, offeringId);
      if (!summary || (summary.status === 'draft' && !can(viewer, 'catalog.manage'))) throw new NotFound();
      const [sessions, own] = await Promise.all([
        queries.selectSessionsOfOfferings(db, [offeringId]),
        viewer ? enrollment.activeEnrollment(offeringId, viewer.id) : Promise.resolve(undefined),
      ]);
      const moment = now();
      return {
        offering: summary,
        programme: { id: summary.programme_id, kind: summary.programme_kind, title: summary.programme_title, description: summary.programme_description, target_group: summary.programme_target_group },
        sessions,
        seatsLeft: Math.max(0, summary.capacity - summary.confirmed),
        waitlisted: summary.waitlisted,
        registrationOpen: registrationState(summary, moment) === 'open',
        registrationNotYetOpen: registrationState(summary, moment) === 'notYetOpen',
        ownEnrollment: own ? { ...own, position: own.status === 'waitlisted' ? await enrollment.waitlistPosition(own) : null } : null,
        canCancel: !!own && mayCancelOwnEnrollment(summary, moment),
        cancellationDeadline: cancellationDeadline(summary),
      };
    },

    sessionsOfOfferings: (offeringIds: number[]) => queries.selectSessionsOfOfferings(db, offeringIds),
    offeringSummary: (offeringId: number) => queries.selectOfferingSummary(db, offeringId),
    otherOfferingsOfProgramme: (programmeId: number, exceptOfferingId: number) => queries.selectOtherOfferingsOfProgramme(db, programmeId, exceptOfferingId),
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
