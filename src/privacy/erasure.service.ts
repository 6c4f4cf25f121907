import type { Knex } from 'knex';
import * as accounts from '../accounts/erasure';
import { deleteExternalIdentitiesOf } from '../accounts/sso/erasure';
import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { hasAttendanceRecords, eraseExcuseReasons } from '../attendance/erasure';
import { redactAuditTrailOf } from '../audit/erasure';
import { recordAudit, systemActor, type Actor } from '../audit/audit.service';
import { hasCertificates, withholdHolderName } from '../certificates/erasure';
import type { Database } from '../db/database';
import { eraseEnrollmentTraces } from '../enrollment/erasure';
import { deleteParticipationOf } from '../evaluation/erasure';
import { deleteMailFilesNaming, deleteMailsNaming, deleteMessageHistoryOf } from '../mail/erasure';
import { forgetMessageRecipient } from '../messages/erasure';
import { deleteMaterialVisitsOf } from '../materials/erasure';
import { deleteSecondFactorOf } from '../accounts/second-factor/erasure';
import { NotFound } from '../shared/errors';
import { pageOf, pageWindow, type Page } from '../shared/paging';
import * as queries from './erasure.queries';

export type AnonymiseOptions = {
  /** The offline mail directory (config.mail.dir): its .eml files naming the person are deleted. */
  mailDir?: string;
  /** Who anonymised (recorded in the audit trail); the retention job passes nothing (the system). */
  actor?: Actor;
  /** The erasure request this honours, if any (for the audit entry). */
  requestId?: number;
};

/**
 * Replaces the person's personal data everywhere, in the caller's transaction; each owning
 * domain changes its own tables. What stays, and why:
 * - the users row (name "Gelöschte Person", address geloescht-<id>@invalid, organisation kept)
 *   and every enrollment, attendance record, excuse (without its reason) and certificate, so
 *   the funder's figures do not change;
 * - issued certificates with their stored PDF byte for byte (the document the person holds,
 *   proven by its hash); the verification page withholds the name;
 * - the audit trail's entries (append-only, the proof of what happened) with ids, actions and
 *   times, but without the person's IP address, name or e-mail;
 * - signed sign-in sheets (scans listing many people): proof the funder requires; they are
 *   deleted with their session's records by the retention rules.
 * Idempotent: a person already anonymised is left alone. Returns false then.
 */
export async function anonymisePerson(trx: Knex.Transaction, userId: number, now: Date, options: AnonymiseOptions = {}): Promise<boolean> {
  const person = await accounts.lockPersonToErase(trx, userId);
  if (!person) throw new NotFound();
  if (person.anonymised_at) return false;
  const fullName = `${person.first_name} ${person.last_name}`;
  await accounts.anonymiseUserRow(trx, userId, now);
  await accounts.deleteSessionsOf(trx, userId);
  await accounts.deleteTokensOf(trx, userId);
  await deleteExternalIdentitiesOf(trx, userId);
  await deleteSecondFactorOf(trx, userId);
  await accounts.deleteAddressTraces(trx, person.email);
  await eraseEnrollmentTraces(trx, userId);
  await eraseExcuseReasons(trx, userId);
  await deleteMaterialVisitsOf(trx, userId);
  // Open evaluations: the yes/no goes; the answers stay, nothing links them to the person.
  await deleteParticipationOf(trx, userId);
  await withholdHolderName(trx, userId, `${accounts.ANONYMISED_FIRST_NAME} ${accounts.ANONYMISED_LAST_NAME}`);
  await deleteMailsNaming(trx, person.email, fullName);
  await deleteMessageHistoryOf(trx, userId);
  await forgetMessageRecipient(trx, userId);
  await redactAuditTrailOf(trx, userId, person.email, [fullName, `${person.last_name}, ${person.first_name}`, person.first_name, person.last_name]);
  await queries.completeRequestsOf(trx, userId, now, options.actor?.userId ?? null);
  await recordAudit(trx, options.actor ?? systemActor, { action: 'privacy.person_anonymised', subjectType: 'user', subjectId: userId, after: { requestId: options.requestId ?? null } });
  // Files last: the rows above fail first if anything is wrong (a file cannot be rolled back).
  if (options.mailDir) await deleteMailFilesNaming(options.mailDir, [person.email, fullName]);
  return true;
}

/** Nothing about the person is under retention: no attendance (sign-in records) and no certificate. */
async function nothingUnderRetention(db: Knex, userId: number): Promise<boolean> {
  const [attendance, certificates] = await Promise.all([hasAttendanceRecords(db, userId), hasCertificates(db, userId)]);
  return !attendance && !certificates;
}

export const ERASURE_PAGE_SIZE = 25;

export type ErasureOutcome = 'anonymised' | 'requested';

export function createErasureService(db: Database, options: { mailDir: string; now?: () => Date }) {
  const now = options.now ?? (() => new Date());

  return {
    /** The person's own open request, if any (the account page says it is waiting). */
    async openRequestOf(user: SessionUser) {
      return queries.findOpenRequestOf(db, user.id);
    },

    /**
     * A person asks for deletion. Where nothing about them is under retention the request
     * is honoured at once (the answer is "anonymised" and the person is logged out);
     * otherwise it waits for an admin.
     */
    async request(user: SessionUser, actor: Actor): Promise<ErasureOutcome> {
      return db.transaction(async (trx) => {
        const at = now();
        const requestId = await queries.insertOpenRequest(trx, user.id, at);
        await recordAudit(trx, actor, { action: 'privacy.erasure_requested', subjectType: 'user', subjectId: user.id, after: { requestId } });
        if (!(await nothingUnderRetention(trx, user.id))) return 'requested';
        await anonymisePerson(trx, user.id, at, { mailDir: options.mailDir, actor: { userId: null, ip: null, requestId: actor.requestId }, requestId });
        return 'anonymised';
      });
    },

    async openRequests(user: SessionUser, page: number): Promise<Page<Omit<queries.OpenRequestListRow, 'total'>>> {
      assertCan(user, 'accounts.administer');
      const window = pageWindow(page, ERASURE_PAGE_SIZE);
      let rows = await queries.selectOpenRequestsPage(db, window.limit, window.offset);
      if (rows.length === 0 && window.page > 1) {
        rows = await queries.selectOpenRequestsPage(db, window.limit, 0);
        return pageOf(rows, Number(rows[0]?.total ?? 0), pageWindow(1, ERASURE_PAGE_SIZE));
      }
      return pageOf(rows, Number(rows[0]?.total ?? 0), window);
    },

    async openRequest(user: SessionUser, requestId: number) {
      assertCan(user, 'accounts.administer');
      const request = await queries.findOpenRequestWithPerson(db, requestId);
      if (!request) throw new NotFound();
      return request;
    },

    /** An admin honours a request: the person is anonymised whatever is under retention (their records stay, anonymised). */
    async anonymise(user: SessionUser, requestId: number, actor: Actor): Promise<void> {
      assertCan(user, 'accounts.administer');
      await db.transaction(async (trx) => {
        const request = await queries.lockRequest(trx, requestId);
        if (!request || request.status !== 'open') throw new NotFound();
        await anonymisePerson(trx, request.user_id, now(), { mailDir: options.mailDir, actor, requestId });
      });
    },
  };
}

export type ErasureService = ReturnType<typeof createErasureService>;
