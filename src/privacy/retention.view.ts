import { formatDate, formatDateTime, type Locale } from '../shared/format';
import type { RetentionService } from './retention.service';

type Translate = (key: string, options?: Record<string, unknown>) => string;
type Overview = Awaited<ReturnType<RetentionService['overview']>>;

/** Rows → what the retention page shows; every text through the catalog. */
export function retentionPage(overview: Overview, t: Translate, locale: Locale) {
  const { rules, lastRun, due } = overview;
  return {
    rules: rules.map((rule) => ({
      category: rule.category,
      name: t(`privacy.retention.categories.${rule.category}.name`),
      basis: t(`privacy.retention.categories.${rule.category}.basis`),
      period: t(`privacy.retention.periods.${rule.period.key}`, rule.period.count === undefined ? undefined : { count: rule.period.count }),
      action: t(`privacy.retention.actions.${rule.action}`),
      appliedBy: t(`privacy.retention.appliedBy.${rule.appliedBy}`),
      due: (due[rule.category] ?? 0).toLocaleString(locale === 'de' ? 'de-DE' : 'en-GB'),
      lastRun: lastRun && rule.appliedBy === 'retentionJob' ? String(lastRun.counts[rule.category] ?? 0) : '–',
    })),
    lastRun: lastRun
      ? {
          startedAt: formatDateTime(lastRun.started_at, locale),
          finishedAt: lastRun.finished_at ? formatDateTime(lastRun.finished_at, locale) : null,
          failed: lastRun.error !== null,
        }
      : null,
    fundingEndedBefore: formatDate(overview.fundingEndedBefore, locale),
  };
}
