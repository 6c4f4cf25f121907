import type { Contact } from '../accounts/contacts.service';
import type { Translate } from '../i18n/i18n';
import { formatDate, formatDateTime, type Locale } from '../shared/format';
import type { AuditRow } from './audit.queries';

export type AuditChange = { field: string; before: string | null; after: string | null };

export type AuditLine = {
  id: number;
  time: string;
  actor: string;
  action: string;
  subject: { label: string; href: string | null } | null;
  changes: AuditChange[];
  /** Changes left out of a long entry (a bulk import lists many people). */
  moreChanges: number;
  ip: string;
};

/** A long entry shows its first changes and says how many more there are. */
const MAX_CHANGES = 8;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Where a subject can be looked at; other subjects are named without a link. */
const SUBJECT_LINKS: Record<string, (id: string) => string> = {
  user: (id) => `/admin/users/${id}`,
  offering: (id) => `/manage/offerings/${id}`,
};

/** "login.failed" / "teachingUnits" without a message: readable words instead of the code ("Login failed"). */
export function readableFallback(code: string): string {
  const words = code
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[._]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Privacy: the page shows only the first two parts of an address ("192.168.*.*",
 * "2001:db8:*"), enough to tell networks apart without naming a person's connection.
 */
export function partialIp(ip: string | null): string {
  if (!ip) return '';
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/i.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.*.*`;
  const groups = ip.split(':').filter((group) => group !== '');
  if (ip.includes(':') && groups.length >= 2) return `${groups[0]}:${groups[1]}:*`;
  if (ip.includes(':')) return '*';
  return '*';
}

/** Nested values are flattened into dotted fields ("template.title"), so nothing is shown as raw JSON. */
function flatten(value: unknown, prefix = '', into = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) flatten(inner, prefix ? `${prefix}.${key}` : key, into);
  } else if (prefix) into.set(prefix, value);
  else if (value !== null && value !== undefined) into.set('value', value);
  return into;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function changesOf(before: unknown, after: unknown, t: Translate, locale: Locale): AuditChange[] {
  const old = flatten(before);
  const now = flatten(after);
  const show = (value: unknown): string | null => {
    if (value === undefined) return null;
    if (value === null || value === '') return t('audit.values.empty');
    if (typeof value === 'boolean') return t(value ? 'audit.values.yes' : 'audit.values.no');
    if (typeof value === 'string' && ISO_INSTANT.test(value)) return formatDateTime(value, locale);
    if (typeof value === 'string' && ISO_DAY.test(value)) return formatDate(`${value}T12:00:00Z`, locale);
    if (Array.isArray(value)) return value.length === 0 ? t('audit.values.empty') : value.map((item) => (item !== null && typeof item === 'object' ? [...flatten(item).values()].join(' ') : String(item))).join(', ');
    return String(value);
  };
  const fieldLabel = (field: string) => {
    const key = `audit.fields.${field}`;
    const text = t(key);
    return text === key ? readableFallback(field) : text;
  };
  const fields = [...new Set([...old.keys(), ...now.keys()])];
  return fields
    .filter((field) => !(old.has(field) && now.has(field) && same(old.get(field), now.get(field))))
    .map((field) => ({ field: fieldLabel(field), before: old.has(field) ? show(old.get(field)) : null, after: now.has(field) ? show(now.get(field)) : null }));
}

export function actionLabel(action: string, t: Translate): string {
  const key = `audit.actions.${action.replace(/\./g, '_')}`;
  const text = t(key);
  return text === key ? readableFallback(action) : text;
}

function actorName(actorId: number | null, actors: Map<number, Contact>, t: Translate): string {
  if (actorId === null) return t('audit.system');
  const contact = actors.get(actorId);
  return contact ? `${contact.firstName} ${contact.lastName}` : t('audit.formerAccount', { id: actorId });
}

/** Rows of the trail as the page shows them: German time, names, labels, changes as "field: old → new". */
export function auditLines(rows: AuditRow[], actors: Map<number, Contact>, t: Translate, locale: Locale, maxChanges = MAX_CHANGES): AuditLine[] {
  return rows.map((row) => {
    const changes = changesOf(row.before, row.after, t, locale);
    const subjectTypeKey = `audit.subjects.${row.subject_type ?? ''}`;
    const typeText = row.subject_type ? (t(subjectTypeKey) === subjectTypeKey ? readableFallback(row.subject_type) : t(subjectTypeKey)) : null;
    const link = row.subject_type && row.subject_id && /^\d+$/.test(row.subject_id) ? SUBJECT_LINKS[row.subject_type] : undefined;
    return {
      id: row.id,
      time: formatDateTime(row.occurred_at, locale),
      actor: actorName(row.actor_user_id, actors, t),
      action: actionLabel(row.action, t),
      subject: typeText ? { label: row.subject_id ? t('audit.subjectLabel', { type: typeText, id: row.subject_id }) : typeText, href: link && row.subject_id ? link(row.subject_id) : null } : null,
      changes: changes.slice(0, maxChanges),
      moreChanges: Math.max(0, changes.length - maxChanges),
      ip: partialIp(row.ip),
    };
  });
}
