import { z } from 'zod';
import { parseBerlinLocal } from '../shared/format';
import { optionalSelectedId } from '../shared/form-fields';
import { pageNumber } from '../shared/paging';
import { CERTIFICATE_KINDS, COMPLETION_RULES, FUNDER_PROJECT_TITLE_MAX, OFFERING_PERIODS, OFFERING_STATUS_CHOICES, PROGRAMME_KINDS, SESSION_TEACHING_UNITS_MAX, SIGN_IN_SHEET_MODES } from './catalog.model';

// Messages are translation keys; the form shows them in the visitor's language.
const required = (max = 200) => z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(max, 'validation.tooLong');
const optionalText = (max: number) => z.string().trim().max(max, 'validation.tooLong').optional().default('');
const yesNo = z.enum(['yes', 'no'], 'validation.selectOne').transform((value) => value === 'yes');

// Sensible upper bound for seats, units and module counts; keeps values far inside PostgreSQL's integer.
const LARGEST_NUMBER = 100_000;

/** A whole number typed into a text field; `minMessage` says what the lower bound means. */
const wholeNumber = (min: number, minMessage: string) =>
  z
    .string({ error: 'validation.required' })
    .trim()
    .min(1, 'validation.required')
    .regex(/^-?\d+$/, 'validation.wholeNumber')
    .transform(Number)
    .pipe(z.number().min(min, minMessage).max(LARGEST_NUMBER, 'validation.numberTooLarge'));

const optionalWholeNumber = (min: number, minMessage: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (!value) return null;
      const parsed = wholeNumber(min, minMessage).safeParse(value);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'validation.invalid' });
        return z.NEVER;
      }
      return parsed.data;
    });

/** A datetime-local field: Berlin wall-clock time ("2026-11-25T09:30") → the instant. */
const berlinDateTime = z
  .string({ error: 'validation.required' })
  .trim()
  .min(1, 'validation.required')
  .transform((value, ctx) => {
    const instant = parseBerlinLocal(value);
    if (!instant) {
      ctx.addIssue({ code: 'custom', message: 'validation.dateTime' });
      return z.NEVER;
    }
    return instant;
  });

const optionalBerlinDateTime = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx) => {
    if (!value) return null;
    const instant = parseBerlinLocal(value);
    if (!instant) {
      ctx.addIssue({ code: 'custom', message: 'validation.dateTime' });
      return z.NEVER;
    }
    return instant;
  });

/** A selected id, or nothing when the empty option was chosen. */
const optionalId = optionalSelectedId('validation.selectOne');

const idFromSelect = z.coerce.number({ error: 'validation.selectOne' }).int('validation.selectOne').positive('validation.selectOne');

/** Checkboxes sharing one name: absent (none ticked), one value or several. */
const checkedIds = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value, ctx) => {
    const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
    const ids = list.map(Number);
    if (ids.some((id) => !Number.isSafeInteger(id) || id <= 0)) {
      ctx.addIssue({ code: 'custom', message: 'validation.selectOne' });
      return z.NEVER;
    }
    return [...new Set(ids)];
  });

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname.length > 0;
  } catch {
    return false;
  }
}

const optionalHttpsUrl = z
  .string()
  .trim()
  .max(2000, 'validation.tooLong')
  .optional()
  .transform((value) => value ?? '')
  .refine((value) => value === '' || isHttpsUrl(value), 'validation.httpsUrl')
  .transform((value) => value || null);

export const programmeSchema = z
  .object({
    kind: z.enum(PROGRAMME_KINDS, 'validation.selectOne'),
    title: required(200),
    description: optionalText(5000),
    targetGroup: optionalText(2000),
    certificateKind: z.enum(CERTIFICATE_KINDS, 'validation.selectOne'),
    completionRule: z.enum(COMPLETION_RULES, 'validation.selectOne').optional().default('all'),
    completionMinModules: optionalWholeNumber(1, 'validation.atLeastOne'),
    active: yesNo,
    // Its own message names the limit: the title has to match the approval, so shortening it is the coordinator's call.
    funderProjectTitle: z.string().trim().max(FUNDER_PROJECT_TITLE_MAX, 'manage.programmes.errors.funderProjectTitleTooLong').optional(),
  })
  .refine((form) => form.kind !== 'series' || form.completionRule !== 'min' || form.completionMinModules !== null, {
    path: ['completionMinModules'],
    message: 'validation.required',
  });

export const moduleSchema = z.object({
  title: required(200),
  description: optionalText(5000),
  teachingUnits: wholeNumber(0, 'validation.notNegative'),
});

export const moveSchema = z.object({ direction: z.enum(['up', 'down'], 'validation.selectOne') });

const offeringFields = {
  title: required(200),
  description: optionalText(5000),
  capacity: wholeNumber(1, 'validation.atLeastOne'),
  registrationOpensAt: berlinDateTime,
  registrationClosesAt: berlinDateTime,
  cancellationDeadline: optionalBerlinDateTime,
  location: required(300),
  requiresApproval: yesNo,
  // Absent (a form or client that predates the option) keeps what the offering has.
  signInSheetMode: z.enum(SIGN_IN_SHEET_MODES, 'validation.selectOne').optional(),
};

const registrationWindowIsOpen = (form: { registrationOpensAt: Date; registrationClosesAt: Date }) => form.registrationClosesAt > form.registrationOpensAt;
const closesAfterOpens = { path: ['registrationClosesAt'], message: 'validation.closesAfterOpens' };

export const offeringSchema = z.object(offeringFields).refine(registrationWindowIsOpen, closesAfterOpens);

export const newOfferingSchema = z.object({ programmeId: idFromSelect, ...offeringFields }).refine(registrationWindowIsOpen, closesAfterOpens);

/** Rows per page of the working list: a coordinator picks a short page or a long one. */
export const OFFERING_PAGE_SIZES = [25, 50] as const;

/** The working list's GET form: bad values in a link fall back to the defaults, they are not errors. */
export const offeringFilterSchema = z.object({
  programme: z.coerce.number().int().positive().max(2_147_483_647).optional().catch(undefined),
  period: z.enum(OFFERING_PERIODS).catch('current').default('current'),
  status: z.enum(OFFERING_STATUS_CHOICES).catch('active').default('active'),
  q: z.string().trim().max(100).optional().catch(undefined),
  size: z.coerce.number().pipe(z.union([z.literal(OFFERING_PAGE_SIZES[0]), z.literal(OFFERING_PAGE_SIZES[1])])).catch(OFFERING_PAGE_SIZES[0]).default(OFFERING_PAGE_SIZES[0]),
  page: z.unknown().optional().transform(pageNumber),
});

/**
 * A session's own teaching units; empty means "the module's" (null). zod's own min/max issues
 * carry the limit, so the message can name it.
 */
const optionalTeachingUnits = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'validation.wholeNumber')
    .transform(Number)
    .pipe(z.number().min(0, 'validation.notNegative').max(SESSION_TEACHING_UNITS_MAX, 'manage.sessions.errors.teachingUnitsTooMany'))
    .optional()
    .transform((value) => value ?? null),
);

export const sessionSchema = z
  .object({
    moduleId: optionalId,
    startsAt: berlinDateTime,
    endsAt: berlinDateTime,
    location: required(300),
    onlineUrl: optionalHttpsUrl,
    trainerIds: checkedIds,
    teachingUnits: optionalTeachingUnits,
  })
  .refine((form) => form.endsAt > form.startsAt, { path: ['endsAt'], message: 'validation.endAfterStart' });

/** Buttons that only need the CSRF token (publish, cancel, delete). */
export const confirmSchema = z.object({});

export type ProgrammeInput = z.output<typeof programmeSchema>;
export type ModuleInput = z.output<typeof moduleSchema>;
export type OfferingInput = z.output<typeof offeringSchema>;
export type NewOfferingInput = z.output<typeof newOfferingSchema>;
export type OfferingFilterInput = z.output<typeof offeringFilterSchema>;
export type SessionInput = z.output<typeof sessionSchema>;
