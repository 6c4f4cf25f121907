import { formatDateTime, formatTime, toBerlinInputValue, type Locale } from '../shared/format';
import type { Translate } from '../i18n/i18n';
import type { ModuleRow, ProgrammeRow } from './programmes.queries';
import type { OfferingRow } from './offerings.queries';
import type { SessionRow } from './sessions.queries';
import type { TrainerConflict } from './manage.service';

/**
 * Rows → what the forms show before anybody typed: the same field names the schemas read,
 * as strings (dates as Berlin datetime-local values, flags as yes/no).
 */
export function programmeFormValues(programme?: ProgrammeRow): Record<string, string> {
  if (!programme) return { kind: '', certificateKind: '', completionRule: 'all', completionMinModules: '', active: 'yes' };
  return {
    kind: programme.kind,
    title: programme.title,
    description: programme.description,
    targetGroup: programme.target_group,
    certificateKind: programme.certificate_kind,
    completionRule: programme.completion_rule,
    completionMinModules: programme.completion_min_modules === null ? '' : String(programme.completion_min_modules),
    active: programme.active ? 'yes' : 'no',
  };
}

export function moduleFormValues(module?: ModuleRow): Record<string, string> {
  if (!module) return { teachingUnits: '0' };
  return { title: module.title, description: module.description, teachingUnits: String(module.teaching_units) };
}

export function offeringFormValues(offering?: OfferingRow): Record<string, string> {
  if (!offering) return { requiresApproval: 'no' };
  return {
    title: offering.title,
    description: offering.description,
    capacity: String(offering.capacity),
    registrationOpensAt: toBerlinInputValue(offering.registration_opens_at),
    registrationClosesAt: toBerlinInputValue(offering.registration_closes_at),
    cancellationDeadline: toBerlinInputValue(offering.cancellation_deadline),
    location: offering.location,
    requiresApproval: offering.requires_approval ? 'yes' : 'no',
  };
}

export function sessionFormValues(session?: SessionRow, defaultLocation = ''): Record<string, string> {
  if (!session) return { location: defaultLocation };
  return {
    moduleId: session.module_id === null ? '' : String(session.module_id),
    startsAt: toBerlinInputValue(session.starts_at),
    endsAt: toBerlinInputValue(session.ends_at),
    location: session.location,
    onlineUrl: session.online_url ?? '',
    teachingUnits: session.teaching_units === null ? '' : String(session.teaching_units),
  };
}

/** Ticked checkboxes of a submitted form (one value arrives as a string, several as an array). */
export function submittedIds(value: unknown): number[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.map(Number).filter((id) => Number.isSafeInteger(id) && id > 0);
}

/** One line per double booking: who, which other session, when. */
export function describeTrainerConflicts(conflicts: TrainerConflict[], t: Translate, locale: Locale): string {
  return conflicts
    .map((conflict) =>
      t('manage.sessions.conflictItem', {
        trainer: conflict.trainerName,
        session: conflict.moduleTitle ? `${conflict.offeringTitle} – ${conflict.moduleTitle}` : conflict.offeringTitle,
        programme: conflict.programmeTitle,
        start: formatDateTime(conflict.startsAt, locale),
        end: formatTime(conflict.endsAt, locale),
      }),
    )
    .join(' ');
}
