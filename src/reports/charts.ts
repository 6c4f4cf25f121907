/**
 * Server-drawn bar charts: pure geometry for the SVG partials (views/reports/chart-*.ejs).
 * No client-side library: the page works without JavaScript, and each chart comes with
 * the same numbers as a table, so nothing is said by colour or shape alone.
 */

/** Bar fill: dark blue, 8.3:1 against white (WCAG 1.4.11 asks for 3:1). */
export const BAR_COLOUR = '#1f4e8c';
/** Labels and axis: near black on white. */
export const TEXT_COLOUR = '#1b1b1b';
/** The value label inside a bar, on the bar's colour. */
export const TEXT_ON_BAR = '#ffffff';

export type ChartItem = { label: string; value: number | null; valueText: string };

export type HorizontalBar = ChartItem & { shownLabel: string; y: number; width: number; labelY: number; valueX: number; valueInside: boolean };
export type HorizontalBars = { width: number; height: number; labelWidth: number; barHeight: number; plotWidth: number; bars: HorizontalBar[] };

export type Column = ChartItem & { x: number; y: number; height: number; labelX: number; valueY: number };
export type Columns = { width: number; height: number; plotTop: number; plotBottom: number; columnWidth: number; columns: Column[] };

const round = (value: number) => Math.round(value * 10) / 10;

/** About how many characters of 14 px text fit left of the bars; the table below has the full name. */
export const LABEL_CHARACTERS = 28;

/** A label cut to `max` characters with "…", so a long organisation name stays inside the chart. */
export function shortLabel(label: string, max = LABEL_CHARACTERS): string {
  const characters = [...label];
  return characters.length <= max ? label : `${characters.slice(0, max - 1).join('').trimEnd()}…`;
}

/** Largest value of the items, at least 1 so an all-zero chart draws no division by zero. */
export function scaleMax(items: readonly ChartItem[]): number {
  return Math.max(1, ...items.map((item) => item.value ?? 0));
}

/**
 * Horizontal bars, one row per item: the label left of the plot, the bar from the plot's
 * left edge, its value inside the bar when it fits, else right of it.
 */
export function horizontalBars(items: readonly ChartItem[], options: { width?: number; labelWidth?: number; barHeight?: number; gap?: number; max?: number } = {}): HorizontalBars {
  const width = options.width ?? 640;
  const labelWidth = options.labelWidth ?? 220;
  const barHeight = options.barHeight ?? 24;
  const gap = options.gap ?? 8;
  const plotWidth = width - labelWidth - 8;
  const max = options.max ?? scaleMax(items);
  const bars = items.map((item, index) => {
    const barWidth = round((Math.max(0, item.value ?? 0) / max) * plotWidth);
    // Room for about six digits inside the bar; a shorter bar carries its value after it.
    const valueInside = barWidth >= 48;
    const y = index * (barHeight + gap);
    return { ...item, shownLabel: shortLabel(item.label), y, width: barWidth, labelY: round(y + barHeight / 2), valueX: valueInside ? round(labelWidth + barWidth - 6) : round(labelWidth + barWidth + 6), valueInside };
  });
  return { width, height: Math.max(barHeight, items.length * (barHeight + gap) - gap), labelWidth, barHeight, plotWidth, bars };
}

/**
 * Columns over a category axis (months): a null value draws no column and its label says
 * so ("–"), which is not the same as zero.
 */
export function columns(items: readonly ChartItem[], options: { width?: number; height?: number; max?: number } = {}): Columns {
  const width = options.width ?? 640;
  const height = options.height ?? 240;
  const plotTop = 20;
  const plotBottom = height - 24;
  const max = options.max ?? scaleMax(items);
  const slot = width / Math.max(1, items.length);
  const columnWidth = round(slot * 0.7);
  const plotHeight = plotBottom - plotTop;
  const columnsDrawn = items.map((item, index) => {
    const columnHeight = item.value === null ? 0 : round((Math.max(0, item.value) / max) * plotHeight);
    const x = round(index * slot + (slot - columnWidth) / 2);
    return { ...item, x, y: round(plotBottom - columnHeight), height: columnHeight, labelX: round(index * slot + slot / 2), valueY: round(plotBottom - columnHeight - 6) };
  });
  return { width, height, plotTop, plotBottom, columnWidth, columns: columnsDrawn };
}

/** WCAG relative luminance of a "#rrggbb" colour. */
export function luminance(hex: string): number {
  const channels = [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16) / 255);
  const [red, green, blue] = channels.map((channel) => (channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4)) as [number, number, number];
  return 0.2126 * red + 0.7152 * green + 0.0722 * blue;
}

/** WCAG contrast ratio of two "#rrggbb" colours (1 to 21). */
export function contrastRatio(first: string, second: string): number {
  const [lighter, darker] = [luminance(first), luminance(second)].sort((a, b) => b - a) as [number, number];
  return (lighter + 0.05) / (darker + 0.05);
}
