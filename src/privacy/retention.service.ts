import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import * as accounts from '../accounts/retention';
import * as attendance from '../attendance/retention';
import { recordAudit, systemActor, type Actor } from '../audit/audit.service';
import * as audit from '../audit/retention';
import * as enrollment from '../enrollment/retention';
import * as evaluation from '../evaluation/retention';
import * as mail from '../mail/retention';
import { MESSAGE_HISTORY_DAYS } from '../mail/history.service';
import { countMessagesBefore, MESSAGE_RECORD_DAYS } from '../messages/retention';
import * as materials from '../materials/retention';
import * as reports from '../reports/retention';
import * as erasureRequests from './erasure.queries';
import { anonymisePerson } from './erasure.service';
import * as queries from './retention.queries';
import { APPLIED_CATEGORIES, retentionCutoffs, retentionRules, type AppliedCategory, type RetentionCounts, type RetentionCutoffs } from './retention.rules';

/** The instant `days` before `at` (the message jobs' cut-offs, shown on the page only). */
const ago = (at: Date, days: number) => new Date(at.getTime() - days * 24 * 60 * 60 * 1000);

export type RetentionDeps = {
  db: Database;
  config: Config;
  logger?: Logger;
  /** Queues a run of the retention job (pg-boss, src/privacy/retention.job.ts). */
  queueRun?: () => Promise<void>;
  now?: () => Date;
};

/**
 * The Löschkonzept applied: each category in its own transaction, by the domain that owns the
 * rows (the privacy service only orders the work and records it), the counts written to
 * retention_runs and, once per run, to the audit trail as `retention.applied` (counts only).
 */
export function createRetentionService({ db, config, logger, queueRun, now = () => new Date() }: RetentionDeps) {
  const settings = config.retention;

  const apply: Record<AppliedCategory, (trx: Knex.Transaction, cutoffs: RetentionCutoffs, at: Date) => Promise<number>> = {
    tokens: (trx, cutoffs) => accounts.deleteSpentTokens(trx, cutoffs.tokensExpiredBefore),
    unverifiedRegistrations: (trx, cutoffs, at) => accounts.deleteUnverifiedRegistrations(trx, cutoffs.unverifiedCreatedBefore, at),
    rateLimits: (trx, cutoffs) => accounts.deleteExpiredRateLimits(trx, cutoffs.rateLimitsExpiredBefore),
    auditTrail: (trx, cutoffs) => audit.shortenIpAddresses(trx, cutoffs.auditIpBefore),
    fundingRecords: async (trx, cutoffs) => {
      const offerings = queries.offeringsEndedBefore(trx, cutoffs.offeringsEndedBefore);
      const removed = await attendance.deleteAttendanceOfOfferings(trx, offerings);
      const kept = removed + (await enrollment.deleteEnrollmentsOfOfferings(trx, offerings)) + (await materials.deleteVisitsOfOfferings(trx, offerings));
      // The anonymous evaluation answers serve the funder's programme evaluation for the same period.
      return kept + (await evaluation.deleteEvaluationsOfOfferings(trx, offerings));
    },
    // Files, not rows: the transaction is unused, the order keeps the run's report in one shape.
    mailFiles: (_trx, cutoffs) => mail.deleteOldMailFiles(config.mail.dir, cutoffs.mailFilesBefore),
    reportSnapshots: (trx, cutoffs) => reports.deleteSnapshotsComputedBefore(trx, cutoffs.reportSnapshotsBefore),
    erasureRequests: (trx, cutoffs) => erasureRequests.deleteHandledRequestsBefore(trx, cutoffs.erasureHandledBefore),
    // Last: records past their retention are gone by now, so more accounts qualify.
    accounts: async (trx, cutoffs, at) => {
      const due = (await dueInactiveAccounts(trx, cutoffs)) as { id: number }[];
      let anonymised = 0;
      for (const { id } of due) if (await anonymisePerson(trx, Number(id), at, { mailDir: config.mail.dir })) anonymised += 1;
      return anonymised;
    },
  };

  /** Accounts without login for the configured years and with nothing still kept (enrollments, attendance). */
  const dueInactiveAccounts = (trx: Knex | Knex.Transaction, cutoffs: RetentionCutoffs) =>
    queries.inactiveWithoutRecords(trx, accounts.inactiveAccountIds(trx, cutoffs.inactiveSince), [enrollment.usersWithEnrollments(trx), attendance.usersWithAttendance(trx)]);

  return {
    settings,
    rules: () => retentionRules(settings),

    /** One run: every rule in order, then the counts in retention_runs and the audit trail. */
    async applyAll(): Promise<RetentionCounts> {
      const startedAt = now();
      const cutoffs = retentionCutoffs(startedAt, settings);
      const runId = await queries.insertRun(db, startedAt);
      const counts: RetentionCounts = {};
      try {
        for (const category of APPLIED_CATEGORIES) {
          counts[category] = await db.transaction((trx) => apply[category](trx, cutoffs, startedAt));
        }
      } catch (error) {
        // The database's message may quote a value; the run row keeps only what kind of error it was.
        const kind = (error as { code?: string }).code ?? (error instanceof Error ? error.name : 'Error');
        await queries.finishRun(db, runId, now(), counts, kind);
        logger?.error({ err: error, counts }, 'retention run failed');
        throw error;
      }
      await db.transaction(async (trx) => {
        await queries.finishRun(trx, runId, now(), counts, null);
        await recordAudit(trx, systemActor, { action: 'retention.applied', subjectType: 'retention_run', subjectId: runId, after: counts });
      });
      logger?.info({ counts }, 'retention applied');
      return counts;
    },

    /** The admin page: rules, the last run, and what the next run would remove (one COUNT statement). */
    async overview(user: SessionUser | undefined) {
      assertCan(user, 'privacy.manage');
      const at = now();
      const cutoffs = retentionCutoffs(at, settings);
      const offerings = queries.offeringsEndedBefore(db, cutoffs.offeringsEndedBefore);
      const [lastRun, due, mailFiles] = await Promise.all([
        queries.lastRun(db),
        queries.countAll(db, {
          tokens: accounts.countSpentTokens(db, cutoffs.tokensExpiredBefore),
          unverifiedRegistrations: accounts.countUnverifiedRegistrations(db, cutoffs.unverifiedCreatedBefore, at),
          rateLimits: accounts.countExpiredRateLimits(db, cutoffs.rateLimitsExpiredBefore),
          auditTrail: audit.countIpAddressesToShorten(db, cutoffs.auditIpBefore),
          attendance: attendance.countAttendanceOfOfferings(db, offerings),
          enrollments: enrollment.countEnrollmentsOfOfferings(db, offerings),
          visits: materials.countVisitsOfOfferings(db, offerings),
          evaluationAnswers: evaluation.countAnswersOfOfferings(db, offerings),
          outgoingMails: mail.countSentMailsBefore(db, cutoffs.sentMailsBefore),
          failedMails: mail.countFailedMailsBefore(db, cutoffs.failedMailsBefore),
          messageHistory: mail.countHistoryRowsBefore(db, ago(at, MESSAGE_HISTORY_DAYS)),
          coordinatorMessages: countMessagesBefore(db, ago(at, MESSAGE_RECORD_DAYS)),
          accounts: dueInactiveAccounts(db, cutoffs).clearSelect().count('*'),
          reportSnapshots: reports.countSnapshotsComputedBefore(db, cutoffs.reportSnapshotsBefore),
          erasureRequests: erasureRequests.countHandledRequestsBefore(db, cutoffs.erasureHandledBefore),
        }),
        mail.countOldMailFiles(config.mail.dir, cutoffs.mailFilesBefore),
      ]);
      const dueCounts: RetentionCounts = {
        tokens: due.tokens,
        unverifiedRegistrations: due.unverifiedRegistrations,
        rateLimits: due.rateLimits,
        auditTrail: due.auditTrail,
        fundingRecords: (due.attendance ?? 0) + (due.enrollments ?? 0) + (due.visits ?? 0) + (due.evaluationAnswers ?? 0),
        mailFiles,
        outgoingMails: due.outgoingMails,
        failedMails: due.failedMails,
        messageHistory: due.messageHistory,
        coordinatorMessages: due.coordinatorMessages,
        reportSnapshots: due.reportSnapshots,
        erasureRequests: due.erasureRequests,
        accounts: due.accounts,
      };
      return { rules: retentionRules(settings), lastRun, due: dueCounts, fundingEndedBefore: cutoffs.offeringsEndedBefore };
    },

    /** "Jetzt ausführen": queues a run on the job queue (whichever instance takes it runs it). */
    async requestRun(user: SessionUser | undefined, actor: Actor): Promise<void> {
      assertCan(user, 'privacy.manage');
      if (!queueRun) throw new Error('no job queue to run the retention job on');
      await queueRun();
      await recordAudit(db, actor, { action: 'retention.requested' });
    },
  };
}

export type RetentionService = ReturnType<typeof createRetentionService>;
