import type { Translate } from '../i18n/i18n';
import { ATTENDANCE_STATUSES } from '../attendance/attendance-rules';
import type { CsvCell } from '../shared/csv';
import { formatDate, formatTime, type Locale } from '../shared/format';
import type { FunderReportData } from './funder-report.service';
import type { Section } from './reports.export';
import type { TrainerReportData } from './trainer-report.service';
import { organisationTotals, periodLabel, programmeLabel } from './reports.view';

/** What the files say about the period and programme, and how the figures are defined. */
function preamble(title: string, data: { period: FunderReportData['period']; programmes: FunderReportData['programmes'] }, t: Translate, locale: Locale): CsvCell[][] {
  return [[title], [t('reports.filter.period'), periodLabel(data.period, locale)], [t('reports.filter.programme'), programmeLabel(data, t)]];
}

/** The figures' definitions, after the period and programme (an XLSX has no preamble: this sheet holds it). */
function definitions(head: CsvCell[][], t: Translate): Section {
  const keys = ['period', 'participants', 'participantDays', 'teachingUnits', 'attendance', 'completions', 'trainerSessions'];
  const rows = keys.map((key) => [t(`reports.definitions.${key}.term`), t(`reports.definitions.${key}.text`)]);
  return { title: t('reports.files.definitions'), head: [t('reports.files.term'), t('reports.files.definition')], rows: [...head.slice(1), ...rows], widths: [28, 120] };
}

export function funderSections(data: FunderReportData, t: Translate, locale: Locale): { preamble: CsvCell[][]; sections: Section[] } {
  const statusHead = ATTENDANCE_STATUSES.map((status) => t(`reports.statuses.${status}`));
  const offerings: Section = {
    title: t('reports.files.offerings'),
    head: [
      t('reports.columns.offering'),
      t('reports.columns.programme'),
      t('reports.columns.firstDate'),
      t('reports.columns.lastDate'),
      t('reports.columns.sessions'),
      t('reports.columns.trainers'),
      t('reports.columns.teachingUnits'),
      t('reports.columns.participants'),
      t('reports.columns.participantDays'),
      ...statusHead,
      t('reports.columns.completions'),
    ],
    rows: data.offerings.map((offering) => [
      offering.title,
      offering.programmeTitle,
      formatDate(offering.firstStartsAt, locale),
      formatDate(offering.lastStartsAt, locale),
      offering.sessionCount,
      offering.trainers,
      offering.teachingUnits,
      offering.participants,
      offering.participantDays,
      ...ATTENDANCE_STATUSES.map((status) => offering.statuses[status]),
      offering.completions,
    ]),
    totals: [
      t('reports.totals.label'),
      '',
      '',
      '',
      data.totals.sessions,
      '',
      data.totals.teachingUnits,
      data.totals.participants,
      data.totals.participantDays,
      ...ATTENDANCE_STATUSES.map((status) => data.totals.statuses[status]),
      data.totals.completions,
    ],
    widths: [36, 36, 12, 12, 10, 36, 10, 14, 18, 12, 12, 14, 16, 14],
  };
  const titleOf = new Map(data.offerings.map((offering) => [offering.id, offering.title]));
  const sessions: Section = {
    title: t('reports.files.sessions'),
    head: [t('reports.columns.offering'), t('reports.columns.date'), t('reports.columns.time'), t('reports.columns.module'), t('reports.columns.trainers'), t('reports.columns.teachingUnits'), ...statusHead],
    rows: data.offerings.flatMap((offering) =>
      (data.sessionsOf.get(offering.id) ?? []).map((session) => [
        titleOf.get(session.offering_id) ?? '',
        formatDate(session.starts_at, locale),
        `${formatTime(session.starts_at, locale)} – ${formatTime(session.ends_at, locale)}`,
        session.module_title ?? '',
        session.trainers ?? '',
        session.teaching_units,
        ...ATTENDANCE_STATUSES.map((status) => session.statuses[status]),
      ]),
    ),
    widths: [36, 12, 22, 36, 36, 10, 12, 12, 14, 16],
  };
  const byOrganisation: Section = {
    title: t('reports.files.organisations'),
    head: [t('reports.columns.offering'), t('reports.columns.organisation'), t('reports.columns.participants')],
    rows: data.offerings.flatMap((offering) => (data.organisationsOf.get(offering.id) ?? []).map((row) => [offering.title, row.organisation_name ?? t('reports.noOrganisation'), row.participants])),
    widths: [36, 40, 14],
  };
  const organisationSums = organisationTotals(data.organisationsOf, t);
  const perPeriod: Section = {
    title: t('reports.files.organisationTotals'),
    head: [t('reports.columns.organisation'), t('reports.columns.participants')],
    rows: organisationSums.map((row) => [row.name, row.participants]),
    totals: [t('reports.totals.label'), data.totals.participants],
    widths: [40, 14],
  };
  const head = preamble(t('reports.funder.title'), data, t, locale);
  return { preamble: head, sections: [offerings, sessions, byOrganisation, perPeriod, definitions(head, t)] };
}

export function trainerSections(data: TrainerReportData, t: Translate, locale: Locale): { preamble: CsvCell[][]; sections: Section[] } {
  const rows: CsvCell[][] = [];
  for (const block of data.blocks) {
    const name = `${block.last_name}, ${block.first_name}`;
    for (const session of block.sessions) {
      rows.push([name, formatDate(session.starts_at, locale), `${formatTime(session.starts_at, locale)} – ${formatTime(session.ends_at, locale)}`, session.offering_title, 1, session.minutes, session.teaching_units]);
    }
    rows.push([t('reports.trainers.subtotal', { name }), '', '', '', block.session_count, block.minutes, block.teaching_units]);
  }
  const section: Section = {
    title: t('reports.files.trainerSessions'),
    head: [t('reports.columns.trainer'), t('reports.columns.date'), t('reports.columns.time'), t('reports.columns.offering'), t('reports.columns.sessions'), t('reports.columns.minutes'), t('reports.columns.teachingUnits')],
    rows,
    totals: [t('reports.totals.label'), '', '', '', data.totals.sessions, data.totals.minutes, data.totals.teachingUnits],
    widths: [36, 12, 22, 40, 10, 16, 10],
  };
  const head = preamble(t('reports.trainers.title'), data, t, locale);
  return { preamble: head, sections: [section, definitions(head, t)] };
}
