import { subYears } from 'date-fns';
import { formatInTimeZone } from 'date-fns-tz';
import { parseBerlinLocal, TIME_ZONE } from '../shared/format';
import { MESSAGE_HISTORY_DAYS } from '../mail/history.service';
import { MESSAGE_RECORD_DAYS } from '../messages/retention';

/**
 * The Löschkonzept as rules: which category is kept how long, what happens then, and the
 * cut-off instants a run at `now` uses. Pure, so the page, the job and the tests share one
 * reading of "7 days", "24 hours" and "5 years after the end of the year the offering ended".
 * Category keys are those of `categories.ts` (privacy notice, record of processing).
 */
export type RetentionSettings = {
  unverifiedDays: number;
  rateLimitHours: number;
  auditIpDays: number;
  fundingYears: number;
  inactiveAccountYears: number;
  mailFileDays: number;
};

export const SENT_MAIL_DAYS = 30;
export const FAILED_MAIL_DAYS = 90;
/** Proof that an erasure request was handled: kept for the regular limitation period (§ 195 BGB) to answer a complaint, then deleted. */
export const ERASURE_PROOF_YEARS = 3;
/** The coordinator's cached figures (ids of people at risk) are rebuilt within minutes; older ones serve nobody. */
export const REPORT_SNAPSHOT_HOURS = 24;

/** What a run removes, in the order the job applies it (tokens before accounts, records before inactivity). */
export const APPLIED_CATEGORIES = ['tokens', 'unverifiedRegistrations', 'rateLimits', 'auditTrail', 'fundingRecords', 'mailFiles', 'reportSnapshots', 'erasureRequests', 'accounts'] as const;
export type AppliedCategory = (typeof APPLIED_CATEGORIES)[number];
/** Shown and counted, but applied elsewhere: the mail job (outbox). */
/** outgoingMails, failedMails: the mail job; messageHistory, coordinatorMessages: the message jobs (src/mail, src/messages). */
export type ListedCategory = AppliedCategory | 'outgoingMails' | 'failedMails' | 'messageHistory' | 'coordinatorMessages';

export type RetentionCounts = Partial<Record<ListedCategory, number>>;

export type RetentionRule = {
  category: ListedCategory;
  /** Translation key and values of the period ("7 Tage"). */
  period: { key: string; count?: number };
  action: 'delete' | 'shorten' | 'anonymise';
  /** Who applies it: this job, or the mail job every minute. */
  appliedBy: 'retentionJob' | 'mailJob' | 'messageJobs';
};

export function retentionRules(settings: RetentionSettings): RetentionRule[] {
  return [
    { category: 'tokens', period: { key: 'immediately' }, action: 'delete', appliedBy: 'retentionJob' },
    { category: 'unverifiedRegistrations', period: { key: 'days', count: settings.unverifiedDays }, action: 'delete', appliedBy: 'retentionJob' },
    { category: 'rateLimits', period: { key: 'hours', count: settings.rateLimitHours }, action: 'delete', appliedBy: 'retentionJob' },
    { category: 'auditTrail', period: { key: 'days', count: settings.auditIpDays }, action: 'shorten', appliedBy: 'retentionJob' },
    { category: 'fundingRecords', period: { key: 'yearsAfterOfferingYear', count: settings.fundingYears }, action: 'delete', appliedBy: 'retentionJob' },
    { category: 'mailFiles', period: { key: 'days', count: settings.mailFileDays }, action: 'delete', appliedBy: 'retentionJob' },
    { category: 'outgoingMails', period: { key: 'days', count: SENT_MAIL_DAYS }, action: 'delete', appliedBy: 'mailJob' },
    { category: 'failedMails', period: { key: 'days', count: FAILED_MAIL_DAYS }, action: 'delete', appliedBy: 'mailJob' },
    { category: 'messageHistory', period: { key: 'days', count: MESSAGE_HISTORY_DAYS }, action: 'delete', appliedBy: 'messageJobs' },
    { category: 'coordinatorMessages', period: { key: 'days', count: MESSAGE_RECORD_DAYS }, action: 'delete', appliedBy: 'messageJobs' },
    { category: 'reportSnapshots', period: { key: 'hours', count: REPORT_SNAPSHOT_HOURS }, action: 'delete', appliedBy: 'retentionJob' },
    { category: 'erasureRequests', period: { key: 'yearsAfterHandled', count: ERASURE_PROOF_YEARS }, action: 'delete', appliedBy: 'retentionJob' },
    { category: 'accounts', period: { key: 'yearsWithoutLogin', count: settings.inactiveAccountYears }, action: 'anonymise', appliedBy: 'retentionJob' },
  ];
}

export type RetentionCutoffs = {
  /** Unverified accounts created before this are removed. */
  unverifiedCreatedBefore: Date;
  /** Tokens that expired before this (= now) or were used are removed. */
  tokensExpiredBefore: Date;
  /** Rate-limit rows whose expiry lies before this are removed. */
  rateLimitsExpiredBefore: Date;
  /** Audit entries before this get their IP address shortened. */
  auditIpBefore: Date;
  /** Records of offerings whose last session ended before this (1 January, Berlin) are removed. */
  offeringsEndedBefore: Date;
  /** Accounts without a login (or, never logged in, created) since this are due for anonymisation. */
  inactiveSince: Date;
  mailFilesBefore: Date;
  sentMailsBefore: Date;
  failedMailsBefore: Date;
  /** Cached report figures computed before this are removed. */
  reportSnapshotsBefore: Date;
  /** Handled erasure requests completed before this are removed (open ones always stay). */
  erasureHandledBefore: Date;
};

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** The calendar year in Berlin at `now`. */
export function berlinYear(now: Date): number {
  return Number(formatInTimeZone(now, TIME_ZONE, 'yyyy'));
}

/**
 * Kept `years` after the end of the year in which the offering ended: an offering that ended
 * in 2020 is kept through 31 December 2025 (5 years) and removed from 1 January 2026. So at
 * `now`, offerings that ended before 1 January of (this year − years) are due.
 */
export function fundingCutoff(now: Date, years: number): Date {
  return parseBerlinLocal(`${String(berlinYear(now) - years).padStart(4, '0')}-01-01T00:00`)!;
}


export function retentionCutoffs(now: Date, settings: RetentionSettings): RetentionCutoffs {
  const ago = (ms: number) => new Date(now.getTime() - ms);
  return {
    unverifiedCreatedBefore: ago(settings.unverifiedDays * DAY_MS),
    tokensExpiredBefore: now,
    rateLimitsExpiredBefore: ago(settings.rateLimitHours * HOUR_MS),
    auditIpBefore: ago(settings.auditIpDays * DAY_MS),
    offeringsEndedBefore: fundingCutoff(now, settings.fundingYears),
    // Calendar years back: 3 years before 29 February is 28 February.
    inactiveSince: subYears(now, settings.inactiveAccountYears),
    mailFilesBefore: ago(settings.mailFileDays * DAY_MS),
    sentMailsBefore: ago(SENT_MAIL_DAYS * DAY_MS),
    failedMailsBefore: ago(FAILED_MAIL_DAYS * DAY_MS),
    reportSnapshotsBefore: ago(REPORT_SNAPSHOT_HOURS * HOUR_MS),
    erasureHandledBefore: subYears(now, ERASURE_PROOF_YEARS),
  };
}
