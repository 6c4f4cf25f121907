import type { Database } from '../db/database';
import type { SessionUser } from '../accounts/roles';
import { NotFound } from '../http/errors';
import type { EnrollmentService } from '../enrollment/enrollment.service';
import * as queries from './catalog.queries';

export type CatalogFilter = { kind?: queries.ProgrammeKind; month?: string; freeOnly: boolean };

const canSeeDrafts = (viewer: SessionUser | undefined) => viewer?.role === 'coordinator' || viewer?.role === 'admin';

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
          // Same rule as enrolling: once the first session has begun, registration is over.
          registrationOpen: moment >= row.registration_opens_at && moment < row.registration_closes_at && (!row.first_session_at || moment < row.first_session_at),
        };
      });
      return filter.freeOnly ? offerings.filter((offering) => offering.seatsLeft > 0) : offerings;
    },

    async getOffering(offeringId: number, viewer: SessionUser | undefined) {
      const summary = await queries.selectOfferingSummary(db, offeringId);
      if (!summary || (summary.status === 'draft' && !canSeeDrafts(viewer))) throw new NotFound();
      const [programme, sessions, counts, own] = await Promise.all([
        queries.selectProgramme(db, summary.programme_id),
        queries.selectSessionsOfOfferings(db, [offeringId]),
        enrollment.seatCounts([offeringId]),
        viewer ? enrollment.activeEnrollment(offeringId, viewer.id) : Promise.resolve(undefined),
      ]);
      const seat = counts.get(offeringId) ?? { confirmed: 0, waitlisted: 0, pending: 0 };
      const moment = now();
      const deadline = summary.cancellation_deadline ?? summary.first_session_at;
      return {
        offering: summary,
        programme: programme!,
        sessions,
        seatsLeft: Math.max(0, summary.capacity - seat.confirmed),
        waitlisted: seat.waitlisted,
        registrationOpen:
          summary.status === 'published' &&
          moment >= summary.registration_opens_at &&
          moment < summary.registration_closes_at &&
          (!summary.first_session_at || moment < summary.first_session_at),
        registrationNotYetOpen: moment < summary.registration_opens_at,
        ownEnrollment: own ? { ...own, position: own.status === 'waitlisted' ? await enrollment.waitlistPosition(own) : null } : null,
        canCancel: !!own && (!deadline || moment < deadline),
        cancellationDeadline: deadline,
      };
    },

    sessionsOfOfferings: (offeringIds: number[]) => queries.selectSessionsOfOfferings(db, offeringIds),
    offeringSummary: (offeringId: number) => queries.selectOfferingSummary(db, offeringId),
    otherOfferingsOfProgramme: (programmeId: number, exceptOfferingId: number) => queries.selectOtherOfferingsOfProgramme(db, programmeId, exceptOfferingId),
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
