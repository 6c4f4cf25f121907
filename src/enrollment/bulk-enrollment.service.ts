import type { Knex } from 'knex';
import type { Database } from '../db/database';
import { recordAudit, type Actor } from '../audit/audit.service';
import { contactsByEmails } from '../accounts/contacts.service';
import { createInvitedAccount, unusablePasswordHash } from '../accounts/invitations.service';
import { activeOrganisations } from '../accounts/organisations.service';
import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import type { OfferingsForSeats, SeatOffering } from '../catalog/offering-seats';
import { DEFAULT_LOCALE } from '../i18n/i18n';
import { Conflict, Invalid, NotFound } from '../shared/errors';
import * as queries from './enrollment.queries';
import { insertNoticeBatch } from './bulk-notices.queries';
import { organisationKey, planBulkEnrollment, type ActiveStatus, type BulkContext, type BulkCounts, type BulkPlan, type BulkRow } from './bulk-plan';
import type { EnrollmentNotice } from './enrollment.notifications';
import type { SeatKeeping } from './seat-keeping';

/** Someone registered one of the addresses, or enrolled, between the preview and the take-over. */
const previewOutdated = () => new Invalid({ _form: 'bulk.errors.previewOutdated' });

/** The facts a bulk plan needs; pass the transaction holding the offering lock when confirming. */
async function bulkContext(source: Database | Knex.Transaction, offering: SeatOffering, rows: BulkRow[]): Promise<BulkContext> {
  const contacts = await contactsByEmails(source, rows.map((row) => row.email));
  const statuses = await queries.selectActiveStatuses(source, offering.id, [...contacts.values()].map((contact) => contact.id));
  const people = new Map(
    [...contacts].map(([email, contact]) => [
      email,
      {
        userId: contact.id,
        active: contact.active,
        name: `${contact.firstName} ${contact.lastName}`,
        organisationName: contact.organisationName,
        activeEnrollment: (statuses.get(contact.id) as ActiveStatus | undefined) ?? null,
      },
    ]),
  );
  const organisations = new Map((await activeOrganisations(source)).map((organisation) => [organisationKey(organisation.name), { id: organisation.id, name: organisation.name }]));
  const confirmed = await queries.countConfirmed(source, offering.id);
  return { people, organisations, freeSeats: offering.capacity - confirmed, waitlisted: await queries.countWaitlisted(source, offering.id) };
}

type BulkDeps = {
  db: Database;
  offerings: OfferingsForSeats;
  seatKeeping: SeatKeeping;
  /** Starts composing the taken-over list's mails after the commit, without the request waiting (bulk-notices.ts). */
  composeInBackground: () => void;
};

/** A coordinator enrolls a list of people (a CSV file or pasted lines) in one offering. */
export function createBulkEnrollment({ db, offerings, seatKeeping, composeInBackground }: BulkDeps) {
  const { lockOrNotFound, inTransaction, placeInOffering } = seatKeeping;

  /** What taking over a list would do right now, row by row; saves nothing. */
  async function previewBulk(actingUser: SessionUser, offeringId: number, rows: BulkRow[]): Promise<BulkPlan> {
    assertCan(actingUser, 'enrollment.manage');
    const offering = await offerings.find(db, offeringId);
    if (!offering) throw new NotFound();
    if (offering.status === 'cancelled') throw new Conflict('enrollment.errors.offeringCancelled');
    return planBulkEnrollment(rows, await bulkContext(db, offering, rows));
  }


  return {
    previewBulk,

    /**
     * Takes over a previewed list in one transaction under the offering's lock: invited
     * accounts for new people, then seats or waitlist places in row order, each with its
     * audit entry; what each person is to be told (invitations included) is stored with
     * them and composed into mails in the background, not in the request. A list with
     * errors, or whose plan no longer matches the preview (`expectedFingerprint`), is
     * refused as a whole: nothing is saved.
     */
    async bulkEnroll(actingUser: SessionUser, offeringId: number, rows: BulkRow[], expectedFingerprint: string | null, actor: Actor): Promise<BulkCounts> {
      const draft = await previewBulk(actingUser, offeringId, rows);
      // argon2 takes a few milliseconds per hash: do it before taking the lock others wait for.
      const passwordHashes = await Promise.all(draft.rows.filter((row) => row.kind === 'invite').map(() => unusablePasswordHash()));
      return inTransaction(
        async (trx) => {
          const offering = await lockOrNotFound(trx, offeringId);
          if (offering.status === 'cancelled') throw new Conflict('enrollment.errors.offeringCancelled');
          const plan = planBulkEnrollment(rows, await bulkContext(trx, offering, rows));
          if (plan.hasErrors) throw new Invalid({ _form: 'bulk.errors.rowsHaveErrors' });
          if (expectedFingerprint !== null && plan.fingerprint !== expectedFingerprint) throw new Invalid({ _form: 'bulk.errors.previewOutdated' });
          const notices: EnrollmentNotice[] = [];
          for (const row of plan.rows) {
            if (row.kind !== 'invite' && row.kind !== 'enroll') continue;
            let userId: number;
            let invitationToken: string | undefined;
            if (row.kind === 'invite') {
              const invitee = { email: row.email, firstName: row.firstName, lastName: row.lastName, organisationId: row.organisationId, locale: DEFAULT_LOCALE };
              ({ userId, token: invitationToken } = await createInvitedAccount(trx, invitee, passwordHashes.pop() ?? (await unusablePasswordHash()), actor));
            } else {
              userId = row.userId;
            }
            const { enrollment, position } = await placeInOffering(trx, offering, userId, actingUser.id, true);
            // The plan and the placement follow the same rule; if they ever disagree, save nothing.
            if (enrollment.status !== row.placement.status) throw new Error(`bulk enrollment: planned ${row.placement.status}, placed ${enrollment.status}`);
            await recordAudit(trx, actor, {
              action: 'enrollment.created_by_coordinator',
              subjectType: 'enrollment',
              subjectId: enrollment.id,
              after: { offeringId, userId, status: enrollment.status, bulk: true, invited: row.kind === 'invite' },
            });
            const kind = enrollment.status as 'confirmed' | 'waitlisted';
            notices.push({ kind, userId, offeringId, offeringTitle: offering.title, position: position ?? undefined, invitationToken });
          }
          const { counts } = plan;
          await recordAudit(trx, actor, {
            action: 'enrollment.bulk_imported',
            subjectType: 'offering',
            subjectId: offeringId,
            after: { rows: counts.rows, invited: counts.invited, enrolled: counts.enrolled, confirmed: counts.confirmed, waitlisted: counts.waitlisted, alreadyEnrolled: counts.alreadyEnrolled },
          });
          // Composing 300 mails is not the request's work: one row now, the mails after the commit.
          if (notices.length > 0) await insertNoticeBatch(trx, offeringId, notices);
          return { result: counts, notices: [] };
        },
        { users_email_unique: previewOutdated, enrollments_one_active_per_person: previewOutdated },
      ).then((counts) => {
        composeInBackground();
        return counts;
      });
    },
  };
}
