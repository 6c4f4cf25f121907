import type { Database } from '../db/database';
import type { SessionUser } from '../accounts/roles';
import { can } from '../accounts/permissions';
import { NotFound } from '../shared/errors';
import { cancellationDeadline, mayCancelOwnEnrollment, registrationState } from './offering-rules';
import type { EnrollmentService } from '../enrollment/enrollment.service';
import * as queries from './catalog.queries';

export type CatalogFilter = { kind?: queries.ProgrammeKind; month?: string; freeOnly: boolean };


/** The public catalog: published offerings with their dates and free seats. */
export function createCatalogService(db: Database, enrollment: EnrollmentService, now: () => Date = () => new Date()) {
  return {
    async listUpcoming(filter: CatalogFilter) {
      const rows = await queries.selectUpcomingPublishedOfferings(db, { kind: filter.kind, month: filter.month, now: now() });
      const counts = await enrollment.seatCounts(rows.map((row) => row.id));
      const moment = now();
      const offerings = rows.map((row) => {
        const confirmed = counts.get(row.id)?.confirmed ?? 0;
        return {
          ...row,
          seatsLeft: Math.max(0, row.capacity - confirmed),
          registrationOpen: registrationState(row, moment) === 'open',
        };
      });
      return filter.freeOnly ? offerings.filter((offering) => offering.seatsLeft > 0) : offerings;
    },

    async getOffering(offeringId: number, viewer: SessionUser | undefined) {
      const summary = await queries.selectOfferingSummary(db, offeringId);
      if (!summary || (summary.status === 'draft' && !can(viewer, 'catalog.manage'))) throw new NotFound();
      const [programme, sessions, counts, own] = await Promise.all([
        queries.selectProgramme(db, summary.programme_id),
        queries.selectSessionsOfOfferings(db, [offeringId]),
        enrollment.seatCounts([offeringId]),
        viewer ? enrollment.activeEnrollment(offeringId, viewer.id) : Promise.resolve(undefined),
      ]);
      const seat = counts.get(offeringId) ?? { confirmed: 0, waitlisted: 0, pending: 0 };
      const moment = now();
      return {
        offering: summary,
        programme: programme!,
        sessions,
        seatsLeft: Math.max(0, summary.capacity - seat.confirmed),
        waitlisted: seat.waitlisted,
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
