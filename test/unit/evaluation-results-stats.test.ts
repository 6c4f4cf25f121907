import { choiceFigures, itemResults, mean, median, percent, reachesThreshold, scaleFigures, shuffled, type ResultItem } from '../../src/evaluation/results.stats';

const item = (id: number, kind: ResultItem['kind'], options: string[] = []): ResultItem => ({ id, kind, prompt: `Frage ${id}`, position: id, options, scale_low_label: null, scale_high_label: null });

describe('evaluation result figures', () => {
  it('takes the mean and the median (of an even count: the mean of the two in the middle)', () => {
    expect(mean([5, 4, 3, 2, 5])).toBeCloseTo(3.8);
    expect(median([5, 4, 3, 2, 5])).toBe(4);
    expect(median([1, 2, 4, 5])).toBe(3);
    expect(median([2, 3])).toBe(2.5);
    expect(mean([])).toBeNull();
    expect(median([])).toBeNull();
  });

  it('counts scale points and ignores what is no point of the scale', () => {
    expect(scaleFigures([1, 5, 5, 0, 6, 2.5, '3', null, undefined, [4]])).toEqual({ answered: 3, counts: [1, 0, 0, 0, 2], mean: 11 / 3, median: 5 });
  });

  it('counts choices: one per person for single choice, every ticked option for multiple choice', () => {
    expect(choiceFigures([0, 1, 1, 3, -1, '1', null], 3, false)).toEqual({ answered: 3, counts: [1, 2, 0] });
    // A repeated index counts once; an array without a valid index is not an answer.
    expect(choiceFigures([[0, 1], [1, 1], [2], [], [7], 1], 3, true)).toEqual({ answered: 3, counts: [1, 2, 1] });
  });

  it('collects free texts trimmed, without empty ones, in a random order', () => {
    const results = itemResults([item(7, 'text')], [{ 7: ' b ' }, { 7: '' }, { 7: 'a' }, {}, { 7: 'c' }], () => 0);
    expect(results).toEqual([{ item: item(7, 'text'), kind: 'text', texts: ['a', 'c', 'b'] }]);
  });

  it('shuffles every element exactly once (Fisher–Yates)', () => {
    const values = Array.from({ length: 50 }, (_, index) => index);
    const result = shuffled(values);
    expect([...result].sort((a, b) => a - b)).toEqual(values);
    expect(values).toEqual(Array.from({ length: 50 }, (_, index) => index));
  });

  it('shows a group from the threshold on, and shares with one decimal', () => {
    expect(reachesThreshold(4, 5)).toBe(false);
    expect(reachesThreshold(5, 5)).toBe(true);
    expect(percent(1, 3)).toBe(33.3);
    expect(percent(5, 8)).toBe(62.5);
    expect(percent(0, 0)).toBeNull();
  });
});
