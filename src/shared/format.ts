import { formatInTimeZone, fromZonedTime } from 'date-fns-tz';
/**
 * Dates and times as people in the programme read them: Europe/Berlin, German
 * formats ("25.11.2026, 09:30 Uhr"); English pages get the British day-first order.
 */
export const TIME_ZONE = 'Europe/Berlin';

export type Locale = 'de' | 'en';

const dateFormats: Record<Locale, Intl.DateTimeFormat> = {
  de: new Intl.DateTimeFormat('de-DE', { timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric' }),
  en: new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, day: '2-digit', month: 'short', year: 'numeric' }),
};
const timeFormats: Record<Locale, Intl.DateTimeFormat> = {
  de: new Intl.DateTimeFormat('de-DE', { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
  en: new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
};

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

export function formatDate(value: Date | string, locale: Locale = 'de'): string {
  return dateFormats[locale].format(toDate(value));
}

export function formatTime(value: Date | string, locale: Locale = 'de'): string {
  const time = timeFormats[locale].format(toDate(value));
  return locale === 'de' ? `${time} Uhr` : time;
}

export function formatDateTime(value: Date | string, locale: Locale = 'de'): string {
  return `${formatDate(value, locale)}, ${formatTime(value, locale)}`;
}

/**
 * Form fields of type datetime-local carry Berlin wall-clock time ("2026-11-25T09:30");
 * these convert between that and the instant stored in PostgreSQL (timestamptz).
 */
export function parseBerlinLocal(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const date = fromZonedTime(value, TIME_ZONE);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function toBerlinInputValue(value: Date | string | null | undefined): string {
  if (!value) return '';
  return formatInTimeZone(toDate(value), TIME_ZONE, "yyyy-MM-dd'T'HH:mm");
}

/** The calendar month ("2026-11") an instant falls in, in Berlin. */
export function berlinMonth(value: Date | string): string {
  return formatInTimeZone(toDate(value), TIME_ZONE, 'yyyy-MM');
}

/** "2026-11" → "November 2026" / "November 2026". */
export function formatMonth(month: string, locale: Locale = 'de'): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return new Intl.DateTimeFormat(locale === 'de' ? 'de-DE' : 'en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(year, monthNumber - 1, 15)));
}

/** "09:00–16:00 Uhr" */
export function formatTimeRange(start: Date | string, end: Date | string, locale: Locale = 'de'): string {
  const from = timeFormats[locale].format(toDate(start));
  const to = timeFormats[locale].format(toDate(end));
  return locale === 'de' ? `${from}–${to} Uhr` : `${from}–${to}`;
}

const SIZE_UNITS = ['B', 'KB', 'MB', 'GB'];

/** "1,4 MB" / "1.4 MB" (1 MB = 1024 × 1024 bytes, like the upload limits). */
export function formatFileSize(bytes: number, locale: Locale = 'de'): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const number = new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value);
  return `${number} ${SIZE_UNITS[unit]}`;
}
