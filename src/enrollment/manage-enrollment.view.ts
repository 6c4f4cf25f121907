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
