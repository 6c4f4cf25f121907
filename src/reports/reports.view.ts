import type { Translate } from '../i18n/i18n';
import { formatDate, type Locale } from '../shared/format';
import type { OrganisationRow, ProgrammeOutline } from './reports.queries';
import type { ResolvedPeriod } from './reports.schemas';

/** "01.01.2026 – 31.12.2026": the inclusive days, as the person chose them. */
export function periodLabel(period: Pick<ResolvedPeriod, 'fromDay' | 'toDay'>, locale: Locale): string {
  // Noon UTC is the same calendar day in Berlin.
  return `${formatDate(`${period.fromDay}T12:00:00Z`, locale)} – ${formatDate(`${period.toDay}T12:00:00Z`, locale)}`;
}

export function programmeLabel(data: { period: Pick<ResolvedPeriod, 'programmeId'>; programmes: ProgrammeOutline[] }, t: Translate): string {
  const programme = data.programmes.find((row) => row.programme_id === data.period.programmeId);
  return programme ? programme.title : t('reports.filter.allProgrammes');
}

/** "7:30 Std.": a duration in minutes as hours and minutes. */
export function formatDuration(minutes: number, t: Translate): string {
  return t('reports.duration', { time: `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}` });
}

/** Participants per organisation summed over the offerings of the period (a person in two offerings counts twice). */
export function organisationTotals(organisationsOf: Map<number, OrganisationRow[]>, t: Translate): { name: string; participants: number }[] {
  const sums = new Map<string, number>();
  for (const rows of organisationsOf.values()) {
    for (const row of rows) {
      const name = row.organisation_name ?? t('reports.noOrganisation');
      sums.set(name, (sums.get(name) ?? 0) + row.participants);
    }
  }
  const collator = new Intl.Collator('de');
  return [...sums].map(([name, participants]) => ({ name, participants })).sort((a, b) => collator.compare(a.name, b.name));
}

/** The filter as URL parameters, for the links to the other report, the files and the pages. */
export function filterParams(period: ResolvedPeriod): Record<string, string> {
  return { from: period.fromDay, to: period.toDay, ...(period.programmeId ? { programme: String(period.programmeId) } : {}) };
}

export function queryString(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

export function programmeOptions(programmes: ProgrammeOutline[]): { value: string; label: string }[] {
  return programmes.map((programme) => ({ value: String(programme.programme_id), label: programme.title }));
}
