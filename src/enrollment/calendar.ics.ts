import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import { sessionUid } from '../calendar/invitation';
import { TIME_ZONE } from '../shared/format';

/**
 * A session in a feed. UID and SEQUENCE are those of the invitations mailed for it
 * (src/calendar/invitation.ts), so a program holding both sees one entry in one state.
 */
export type CalendarEvent = {
  sessionId: number;
  sequence: number;
  /** The offering was cancelled: shown struck through rather than silently gone. */
  cancelled: boolean;
  start: Date;
  end: Date;
  summary: string;
  description: string;
  location: string;
  url: string;
};

/**
 * iCalendar (RFC 5545) written directly. Calendar programs poll the personal feed every few
 * minutes, so it must be cheap: ical-generator spent most of a feed's CPU folding lines
 * through a TextEncoder, character by character, and rebuilt the same time-zone block for
 * every request. Here the constant parts are built once per process and lines are folded
 * only when they are long.
 */
const CRLF = '\r\n';

/** Europe/Berlin's rules, so calendar programs show local times right in summer and winter. */
const VTIMEZONE = vtimezone();

function vtimezone(): string {
  const component = getVtimezoneComponent(TIME_ZONE);
  if (!component) throw new Error(`no time-zone data for ${TIME_ZONE}`);
  return component.trim().split(/\r?\n/).join(CRLF);
}

const CALENDAR_START = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//KoKoMa Campus//kokoma-campus//DE', 'CALSCALE:GREGORIAN'].join(CRLF);
const CALENDAR_TIME_ZONE = [VTIMEZONE, `X-WR-TIMEZONE:${TIME_ZONE}`].join(CRLF);

const berlinClock = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** The Berlin wall-clock time as iCalendar local time (`20271125T093000`), written with TZID. */
export function berlinLocalTime(date: Date): string {
  const part: Record<string, string> = {};
  for (const { type, value } of berlinClock.formatToParts(date)) part[type] = value;
  return `${part.year}${part.month}${part.day}T${part.hour}${part.minute}${part.second}`;
}

/** A UTC time (`20261202T062427Z`), as DTSTAMP requires. */
function utcTime(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** TEXT values: backslash, semicolon, comma and line breaks are escaped. */
export function escapeText(value: string): string {
  return value.replace(/[\\;,]/g, (match) => `\\${match}`).replace(/\r\n|\r|\n/g, '\\n');
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/**
 * Content lines are at most 75 octets; longer ones continue on lines starting with a space
 * (which counts), never splitting a UTF-8 character. Most lines are short and pass as they are.
 */
export function foldLine(line: string): string {
  if (line.length <= 25 || (line.length <= 75 && Buffer.byteLength(line) <= 75)) return line;
  let folded = '';
  let current = '';
  let octets = 0;
  let limit = 75;
  for (const char of line) {
    const size = utf8Length(char.codePointAt(0) ?? 0);
    if (octets + size > limit) {
      folded += `${current}${CRLF} `;
      current = '';
      octets = 0;
      limit = 74;
    }
    current += char;
    octets += size;
  }
  return folded + current;
}

function eventLines(event: CalendarEvent, host: string, stamp: string): string {
  const lines = [
    'BEGIN:VEVENT',
    foldLine(`UID:${sessionUid(event.sessionId, host)}`),
    `SEQUENCE:${event.sequence}`,
    `DTSTAMP:${stamp}`,
    `DTSTART;TZID=${TIME_ZONE}:${berlinLocalTime(event.start)}`,
    `DTEND;TZID=${TIME_ZONE}:${berlinLocalTime(event.end)}`,
    foldLine(`SUMMARY:${escapeText(event.summary)}`),
  ];
  if (event.location) lines.push(foldLine(`LOCATION:${escapeText(event.location)}`));
  lines.push(foldLine(`DESCRIPTION:${escapeText(event.description)}`), foldLine(`URL;VALUE=URI:${event.url}`));
  if (event.cancelled) lines.push('STATUS:CANCELLED');
  lines.push('END:VEVENT');
  return lines.join(CRLF);
}

/** A calendar named `name` with one event per session; UIDs are made unique with the host. */
export function toIcs(name: string, events: CalendarEvent[], host: string, now: Date = new Date()): string {
  const stamp = utcTime(now);
  const title = escapeText(name);
  const parts = [CALENDAR_START, foldLine(`NAME:${title}`), foldLine(`X-WR-CALNAME:${title}`), CALENDAR_TIME_ZONE];
  for (const event of events) parts.push(eventLines(event, host, stamp));
  parts.push('END:VCALENDAR');
  return parts.join(CRLF) + CRLF;
}
