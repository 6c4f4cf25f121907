import type { Translate } from '../i18n/i18n';
import { ATTENDANCE_STATUSES } from './attendance-rules';

/**
 * What the roll-call page needs beyond the rows. The status labels are translated once per
 * page, not once per person and option (a 50-row page would otherwise make 250 calls).
 */
export function rollCallLabels(t: Translate) {
  const statusLabels: Record<string, string> = { none: t('attendance.status.none') };
  for (const status of ATTENDANCE_STATUSES) statusLabels[status] = t(`attendance.status.${status}`);
  return {
    statusLabels,
    statusOptions: ATTENDANCE_STATUSES.map((status) => ({ value: status, label: statusLabels[status]! })),
    excuseOpenLabel: t('attendance.rollCall.excuseOpen'),
  };
}

/** The matrix's labels per cell and per completion state, translated once per page. */
export function matrixLabels(t: Translate) {
  const statusLabels: Record<string, string> = {};
  for (const status of ATTENDANCE_STATUSES) statusLabels[status] = t(`attendance.status.${status}`);
  return { statusLabels, completedLabel: t('attendance.matrix.completed'), unreachableLabel: t('attendance.matrix.unreachable') };
}

/** The URL of a page of the roll call, keeping the name search (the form posts to it, saving redirects to it). */
export function rollCallUrl(sessionId: number, filter: { q?: string; page: number }): string {
  const query = new URLSearchParams();
  if (filter.q) query.set('q', filter.q);
  if (filter.page > 1) query.set('page', String(filter.page));
  const text = query.toString();
  return `/attendance/sessions/${sessionId}${text ? `?${text}` : ''}`;
}
