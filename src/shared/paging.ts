/**
 * Lists that grow with the district (enrollments of an offering, offerings, users,
 * certificates) are shown a page at a time. The page number comes from the URL and is
 * never trusted: anything that is not a page that exists shows the nearest one.
 */
export type Page<Row> = {
  rows: Row[];
  /** Rows matching the filter on all pages. */
  total: number;
  /** 1-based, clamped to 1..pageCount. */
  page: number;
  pageSize: number;
  pageCount: number;
};

export type PageWindow = { page: number; pageSize: number; limit: number; offset: number };

/** Highest page number accepted from a URL: past it, offsets would scan needlessly. */
export const MAX_PAGE = 10_000;

/** Reads `?page=` leniently: a missing, negative or garbled value is page 1. */
export function pageNumber(raw: unknown): number {
  const value = typeof raw === 'string' ? Number.parseInt(raw, 10) : typeof raw === 'number' ? raw : Number.NaN;
  if (!Number.isFinite(value) || value < 1) return 1;
  return Math.min(Math.trunc(value), MAX_PAGE);
}

export function pageWindow(page: number, pageSize: number): PageWindow {
  const safePage = Math.max(1, Math.min(Math.trunc(page) || 1, MAX_PAGE));
  return { page: safePage, pageSize, limit: pageSize, offset: (safePage - 1) * pageSize };
}

export function pageOf<Row>(rows: Row[], total: number, window: PageWindow): Page<Row> {
  const pageCount = Math.max(1, Math.ceil(total / window.pageSize));
  return { rows, total, page: Math.min(window.page, pageCount), pageSize: window.pageSize, pageCount };
}

/**
 * The page actually shown when the requested one lies past the end (the list shrank, or
 * the URL was edited): callers fetch it again with this window.
 */
export function lastPageWindow(total: number, window: PageWindow): PageWindow | undefined {
  const pageCount = Math.max(1, Math.ceil(total / window.pageSize));
  return window.page > pageCount ? pageWindow(pageCount, window.pageSize) : undefined;
}
