import { z } from 'zod';

/**
 * The actions the code records, for the action filter. A list kept here instead of a
 * DISTINCT over the trail, which would read the whole ever-growing table on every visit.
 * An action missing here is still shown (with a readable fallback label) and can still be
 * filtered by URL; add it here and in the `audit.actions` messages to offer it in the list.
 */
export const KNOWN_ACTIONS = [
  'account.created_by_sso', 'account.email_verified', 'account.invitation_accepted', 'account.invitation_resent', 'account.invitations_imported', 'account.invited', 'account.registered', 'account.role_from_directory', 'account.sso_linked',
  'attendance.checked_in', 'attendance.recorded', 'attendance.roll_call_saved',
  'calendar_feed.created', 'calendar_feed.revoked',
  'certificate.corrected', 'certificate.revoked',
  'certificate_template.updated',
  'certificates.issued',
  'check_in.closed', 'check_in.opened',
  'enrollment.approved', 'enrollment.bulk_imported', 'enrollment.cancelled', 'enrollment.created', 'enrollment.created_by_coordinator', 'enrollment.moved', 'enrollment.promoted', 'enrollment.rejected',
  'evaluation.assigned',
  'excuse.accepted', 'excuse.declined', 'excuse.submitted',
  'login', 'login.failed',
  'logout',
  'material.created', 'material.deleted', 'material.version_added',
  'message.retried', 'message.sent',
  'module.created', 'module.moved', 'module.updated',
  'offering.cancelled', 'offering.capacity_changed', 'offering.created', 'offering.published', 'offering.updated',
  'organisation.created', 'organisation.merged', 'organisation.updated',
  'password.changed',
  'password_reset.completed', 'password_reset.requested', 'password_reset.triggered_by_admin',
  'privacy.erasure_requested', 'privacy.person_anonymised',
  'programme.created', 'programme.updated',
  'questionnaire.created', 'questionnaire.itemAdded', 'questionnaire.itemMoved', 'questionnaire.itemRemoved', 'questionnaire.itemUpdated', 'questionnaire.updated', 'questionnaire.versionCreated',
  'retention.applied', 'retention.requested',
  'second_factor.recovery_code_used', 'second_factor.recovery_codes_renewed', 'second_factor.removed', 'second_factor.reset', 'second_factor.set_up',
  'session.created', 'session.deleted', 'session.updated',
  'signed_sheet.uploaded',
  'training_record.downloaded',
  'user.corrected', 'user.role_changed',
] as const;

/** The kinds of subject the code records (`subjectType`), for the subject filter. */
export const SUBJECT_TYPES = ['attendance', 'certificate', 'enrollment', 'excuse', 'material', 'module', 'offering', 'organisation', 'programme', 'session', 'signed_sheet', 'user'] as const;

const optionalText = z
  .unknown()
  .optional()
  .transform((value) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined));

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isDay = (value: string) => DAY.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
const cursorId = optionalText.transform((value) => (value !== undefined && /^[1-9]\d{0,15}$/.test(value) ? Number(value) : null));

/** The trail's GET filter. Cursors are read leniently (a garbled one shows the newest entries). */
export const auditFilterSchema = z
  .object({
    action: optionalText.refine((value) => value === undefined || /^[a-z_]+(\.[a-zA-Z_]+)*$/.test(value), 'audit.errors.actionInvalid').refine((value) => value === undefined || value.length <= 100, 'audit.errors.actionInvalid'),
    actor: optionalText.refine((value) => value === undefined || (value.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(value)), 'audit.errors.actorInvalid'),
    subjectType: optionalText.refine((value) => value === undefined || (SUBJECT_TYPES as readonly string[]).includes(value), 'audit.errors.subjectTypeInvalid'),
    subjectId: optionalText.refine((value) => value === undefined || /^[0-9:]{1,40}$/.test(value), 'audit.errors.subjectIdInvalid'),
    // An offering's number, or part of its title.
    offering: optionalText.refine((value) => value === undefined || value.length <= 200, 'audit.errors.offeringInvalid'),
    from: optionalText.refine((value) => value === undefined || isDay(value), 'audit.errors.dateInvalid'),
    to: optionalText.refine((value) => value === undefined || isDay(value), 'audit.errors.dateInvalid'),
    before: cursorId,
    after: cursorId,
  })
  .superRefine((filter, context) => {
    if (filter.subjectId !== undefined && filter.subjectType === undefined) context.addIssue({ code: 'custom', path: ['subjectType'], message: 'audit.errors.subjectTypeMissing' });
    if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) context.addIssue({ code: 'custom', path: ['to'], message: 'audit.errors.toBeforeFrom' });
  });

export type AuditFilterInput = z.output<typeof auditFilterSchema>;
