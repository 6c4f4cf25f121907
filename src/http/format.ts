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
