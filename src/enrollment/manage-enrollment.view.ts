import type { ListFilter } from './enrollment.schemas';

/** What the list shows; anything left out is its default (everyone, page 1). */
type ListState = Partial<ListFilter>;

/** The filter as URL parameters, leaving out what is not set (page 1 is the default). */
export function listParams(filter: ListState): Record<string, string> {
  const params: Record<string, string> = {};
  if (filter.status) params.status = filter.status;
  if (filter.q) params.q = filter.q;
  if (filter.page && filter.page > 1) params.page = String(filter.page);
  return params;
}

/** `?status=…&q=…&page=…` or nothing: carried to the move page and back, so the list returns as it was. */
export function listQuery(filter: ListState): string {
  const text = new URLSearchParams(listParams(filter)).toString();
  return text ? `?${text}` : '';
}

export function listPath(offeringId: number, filter: ListState): string {
  return `/manage/offerings/${offeringId}/enrollments${listQuery(filter)}`;
}

/**
 * The offerings a person can be moved to: none that was cancelled and none whose last
 * session is over ("Umbuchen nach" is about dates still ahead). An offering without sessions
 * yet is still being planned and stays a choice.
 */
export function openMoveTargets<T extends { id: number; status: string }>(targets: T[], sessions: { offering_id: number; ends_at: Date }[], now: Date): T[] {
  const lastEnd = new Map<number, number>();
  for (const session of sessions) lastEnd.set(session.offering_id, Math.max(lastEnd.get(session.offering_id) ?? 0, session.ends_at.getTime()));
  return targets.filter((target) => target.status !== 'cancelled' && (lastEnd.get(target.id) ?? Infinity) >= now.getTime());
}
