import { lastPageWindow, pageNumber, pageOf, pageWindow } from '../../src/shared/paging';

describe('paging', () => {
  it('reads a page number from the URL leniently', () => {
    expect(pageNumber('3')).toBe(3);
    expect(pageNumber(undefined)).toBe(1);
    expect(pageNumber('-2')).toBe(1);
    expect(pageNumber('abc')).toBe(1);
    expect(pageNumber('99999999')).toBe(10_000);
  });

  it('turns a page into limit and offset', () => {
    expect(pageWindow(3, 50)).toEqual({ page: 3, pageSize: 50, limit: 50, offset: 100 });
  });

  it('counts pages and clamps the page to the last one', () => {
    expect(pageOf(['a'], 101, pageWindow(2, 50))).toMatchObject({ page: 2, pageCount: 3, total: 101 });
    expect(pageOf([], 0, pageWindow(1, 50))).toMatchObject({ page: 1, pageCount: 1 });
    expect(lastPageWindow(101, pageWindow(7, 50))).toEqual(pageWindow(3, 50));
    expect(lastPageWindow(101, pageWindow(3, 50))).toBeUndefined();
  });
});
