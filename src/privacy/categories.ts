/**
 * The categories of personal data the app keeps and how long (the Löschkonzept, issue 13),
 * written once: the privacy notice (/datenschutz) and the record of processing
 * (/admin/processing) are generated from this list, so neither can promise a deletion the
 * rules do not make. Purpose, data, recipients and legal basis of each category are texts in
 * `privacy.processing.categories.<key>` (de/en); the periods come from the same settings the
 * nightly retention job applies (config.retention, retention.rules.ts).
 */
import { MESSAGE_HISTORY_DAYS } from '../mail/history.service';
import { MESSAGE_RECORD_DAYS } from '../messages/retention';
import { ERASURE_PROOF_YEARS, REPORT_SNAPSHOT_HOURS, SENT_MAIL_DAYS, type RetentionSettings } from './retention.rules';

/** How long a category is kept; the notice words it, `retentionText` below. */
export type RetentionPeriod =
  | { kind: 'untilExpiry' }
  | { kind: 'hours'; count: number }
  | { kind: 'days'; count: number }
  /** Funder duty: counted from the end of the year in which the offering ended. */
  | { kind: 'yearsAfterOfferingYear'; count: number }
  /** Counted from the last login; only when no record of the person is still under retention. */
  | { kind: 'yearsWithoutLogin'; count: number }
  /** Counted from when the request was handled. */
  | { kind: 'yearsAfterHandled'; count: number }
  | { kind: 'session'; idleHours: number; absoluteHours: number }
  /** Issued certificates: their holders and the funder must be able to verify them for good. */
  | { kind: 'whileVerifiable' }
  /** Evaluations: whether a person has answered is kept only while the questionnaire is open. */
  | { kind: 'untilEvaluationCloses' };

/** What happens when the period is over. */
export type RetentionAction = 'delete' | 'anonymise' | 'shorten' | 'withholdName';

export type DataCategory = { key: string; retention: RetentionPeriod; action: RetentionAction };

/** What the periods are read from: the retention settings (config.retention) and the session lifetimes. */
export type CategorySettings = { retention: RetentionSettings; sessions: { absoluteMs: number; idleMs: number } };

const HOUR_MS = 60 * 60 * 1000;
const hours = (ms: number) => Math.round((ms / HOUR_MS) * 10) / 10;

/**
 * The categories with the periods this installation is configured with (the same settings the
 * nightly retention job applies, retention.rules.ts), so the notice never states a default
 * the installation changed.
 */
export function dataCategories(settings: CategorySettings): DataCategory[] {
  const { retention, sessions } = settings;
  return [
    { key: 'accounts', retention: { kind: 'yearsWithoutLogin', count: retention.inactiveAccountYears }, action: 'anonymise' },
    { key: 'unverifiedRegistrations', retention: { kind: 'days', count: retention.unverifiedDays }, action: 'delete' },
    { key: 'fundingRecords', retention: { kind: 'yearsAfterOfferingYear', count: retention.fundingYears }, action: 'delete' },
    { key: 'evaluationParticipation', retention: { kind: 'untilEvaluationCloses' }, action: 'delete' },
    { key: 'evaluationAnswers', retention: { kind: 'yearsAfterOfferingYear', count: retention.fundingYears }, action: 'delete' },
    { key: 'auditTrail', retention: { kind: 'days', count: retention.auditIpDays }, action: 'shorten' },
    { key: 'tokens', retention: { kind: 'untilExpiry' }, action: 'delete' },
    // Deleted with the account's anonymisation, and at once when switched off or reset by an admin.
    { key: 'secondFactors', retention: { kind: 'yearsWithoutLogin', count: retention.inactiveAccountYears }, action: 'delete' },
    // Single sign-on: which identity provider's person is which account; deleted with the account's anonymisation (or the account).
    { key: 'externalIdentities', retention: { kind: 'yearsWithoutLogin', count: retention.inactiveAccountYears }, action: 'delete' },
    { key: 'sessions', retention: { kind: 'session', idleHours: hours(sessions.idleMs), absoluteHours: hours(sessions.absoluteMs) }, action: 'delete' },
    { key: 'rateLimits', retention: { kind: 'hours', count: retention.rateLimitHours }, action: 'delete' },
    { key: 'outgoingMails', retention: { kind: 'days', count: SENT_MAIL_DAYS }, action: 'delete' },
    { key: 'mailFiles', retention: { kind: 'days', count: retention.mailFileDays }, action: 'delete' },
    // The mail domain's message history and the coordinators' messages (src/mail, src/messages): a year, then deleted by their jobs.
    { key: 'messageHistory', retention: { kind: 'days', count: MESSAGE_HISTORY_DAYS }, action: 'delete' },
    { key: 'coordinatorMessages', retention: { kind: 'days', count: MESSAGE_RECORD_DAYS }, action: 'delete' },
    { key: 'certificates', retention: { kind: 'whileVerifiable' }, action: 'withholdName' },
    { key: 'erasureRequests', retention: { kind: 'yearsAfterHandled', count: ERASURE_PROOF_YEARS }, action: 'delete' },
    { key: 'reportSnapshots', retention: { kind: 'hours', count: REPORT_SNAPSHOT_HOURS }, action: 'delete' },
  ];
}

type Translate = (key: string, options?: Record<string, unknown>) => string;

/** "7 Tage", "5 Jahre nach Ende des Jahres, in dem der Durchgang endete", … in the reader's language. */
export function retentionText(t: Translate, period: RetentionPeriod): string {
  const key = `privacy.processing.retention.${period.kind}`;
  if (period.kind === 'session') return t(key, { count: period.idleHours, absolute: period.absoluteHours });
  if (period.kind === 'untilExpiry' || period.kind === 'whileVerifiable' || period.kind === 'untilEvaluationCloses') return t(key);
  return t(key, { count: period.count });
}

/** A category as the notice and the record show it: every text looked up once. */
export type DescribedCategory = {
  key: string;
  name: string;
  purpose: string;
  dataSubjects: string;
  data: string;
  recipients: string;
  legalBasis: string;
  retention: string;
  action: string;
};

export function describeCategories(t: Translate, categories: readonly DataCategory[]): DescribedCategory[] {
  return categories.map((category) => {
    const text = (field: string) => t(`privacy.processing.categories.${category.key}.${field}`);
    return {
      key: category.key,
      name: text('name'),
      purpose: text('purpose'),
      dataSubjects: text('dataSubjects'),
      data: text('data'),
      recipients: text('recipients'),
      legalBasis: text('legalBasis'),
      retention: retentionText(t, category.retention),
      action: t(`privacy.processing.actions.${category.action}`),
    };
  });
}
