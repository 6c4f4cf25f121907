import { BAR_COLOUR, TEXT_COLOUR, TEXT_ON_BAR, columns, contrastRatio, horizontalBars, scaleMax, shortLabel } from '../../src/reports/charts';

const item = (label: string, value: number | null) => ({ label, value, valueText: value === null ? '–' : String(value) });

describe('chart geometry', () => {
  it('draws horizontal bars in proportion to the largest value, one row each', () => {
    const chart = horizontalBars([item('Stadt', 10), item('Gemeinde', 5), item('Kreis', 0)], { width: 520, labelWidth: 200, barHeight: 20, gap: 10 });
    expect(chart.plotWidth).toBe(312);
    expect(chart.bars.map((bar) => bar.width)).toEqual([312, 156, 0]);
    expect(chart.bars.map((bar) => bar.y)).toEqual([0, 30, 60]);
    expect(chart.height).toBe(80);
    // A long bar carries its value inside, a short one right after its end.
    expect(chart.bars[0]).toMatchObject({ valueInside: true, valueX: 200 + 312 - 6 });
    expect(chart.bars[2]).toMatchObject({ valueInside: false, valueX: 206 });
  });

  it('draws columns against a fixed maximum and leaves months without data empty', () => {
    const chart = columns([item('Jan', 100), item('Feb', 50), item('Mär', null)], { width: 300, height: 244, max: 100 });
    // plot from y=20 to y=220: 200 px for 100 %.
    expect(chart.columns.map((column) => column.height)).toEqual([200, 100, 0]);
    expect(chart.columns.map((column) => column.y)).toEqual([20, 120, 220]);
    expect(chart.columns.map((column) => column.labelX)).toEqual([50, 150, 250]);
    expect(chart.columnWidth).toBe(70);
    expect(chart.columns[0]!.x).toBe(15);
  });

  it('cuts long labels with an ellipsis and keeps short ones', () => {
    expect(shortLabel('Stadt Änderstadt')).toBe('Stadt Änderstadt');
    expect(shortLabel('Landratsamt Musterland, Fachbereich Ordnung', 20)).toBe('Landratsamt Musterl…');
    expect([...shortLabel('Ä'.repeat(40))]).toHaveLength(28);
    expect(horizontalBars([item('Verwaltungsgemeinschaft Obere Saale-Orla', 3)]).bars[0]!.shownLabel).toBe('Verwaltungsgemeinschaft Obe…');
  });

  it('never divides by zero', () => {
    expect(scaleMax([])).toBe(1);
    expect(scaleMax([item('a', 0)])).toBe(1);
    expect(horizontalBars([item('a', 0)]).bars[0]!.width).toBe(0);
    expect(horizontalBars([]).height).toBeGreaterThan(0);
  });

  it('uses colours with at least 3:1 contrast (bars against white, text against its ground)', () => {
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrastRatio(BAR_COLOUR, '#ffffff')).toBeGreaterThanOrEqual(3);
    expect(contrastRatio(TEXT_COLOUR, '#ffffff')).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(TEXT_ON_BAR, BAR_COLOUR)).toBeGreaterThanOrEqual(4.5);
  });
});
