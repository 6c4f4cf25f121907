import { fundingCutoff, retentionCutoffs, retentionRules, type RetentionSettings } from '../../src/privacy/retention.rules';

const DEFAULTS: RetentionSettings = { unverifiedDays: 7, rateLimitHours: 24, auditIpDays: 30, fundingYears: 5, inactiveAccountYears: 3, mailFileDays: 30 };
const berlin = (local: string) => new Date(`${local}+01:00`);

describe('retention rules (Löschkonzept)', () => {
  it('keeps funder records five years after the end of the year the offering ended', () => {
    // An offering that ended in 2020 is kept through 31 December 2025 and is due from 1 January 2026 (Berlin).
    expect(fundingCutoff(berlin('2026-01-01T00:30'), 5)).toEqual(berlin('2021-01-01T00:00'));
    expect(fundingCutoff(berlin('2025-12-31T23:30'), 5)).toEqual(berlin('2020-01-01T00:00'));
  });

  it('counts days and hours back from the run and whole calendar years for inactive accounts', () => {
    const now = new Date('2032-02-29T12:00:00Z');
    const cutoffs = retentionCutoffs(now, DEFAULTS);
    expect(cutoffs.unverifiedCreatedBefore).toEqual(new Date('2032-02-22T12:00:00Z'));
    expect(cutoffs.rateLimitsExpiredBefore).toEqual(new Date('2032-02-28T12:00:00Z'));
    expect(cutoffs.auditIpBefore).toEqual(new Date('2032-01-30T12:00:00Z'));
    expect(cutoffs.tokensExpiredBefore).toEqual(now);
    expect(cutoffs.inactiveSince).toEqual(new Date('2029-02-28T12:00:00Z'));
    expect(cutoffs.sentMailsBefore).toEqual(new Date('2032-01-30T12:00:00Z'));
    expect(cutoffs.failedMailsBefore).toEqual(new Date('2031-12-01T12:00:00Z'));
  });

  it('lists every category with the configured period and who applies it', () => {
    const rules = retentionRules({ ...DEFAULTS, unverifiedDays: 14 });
    expect(rules.map((rule) => rule.category)).toEqual([
      'tokens',
      'unverifiedRegistrations',
      'rateLimits',
      'auditTrail',
      'fundingRecords',
      'mailFiles',
      'outgoingMails',
      'failedMails',
      'messageHistory',
      'coordinatorMessages',
      'reportSnapshots',
      'erasureRequests',
      'accounts',
    ]);
    expect(rules.find((rule) => rule.category === 'messageHistory')).toMatchObject({ period: { key: 'days', count: 365 }, action: 'delete', appliedBy: 'messageJobs' });
    expect(rules.find((rule) => rule.category === 'unverifiedRegistrations')).toMatchObject({ period: { key: 'days', count: 14 }, action: 'delete', appliedBy: 'retentionJob' });
    expect(rules.find((rule) => rule.category === 'auditTrail')).toMatchObject({ action: 'shorten' });
  });
});
