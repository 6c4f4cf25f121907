import { z } from 'zod';
import { ROLES } from './roles';
import { ORGANISATION_KINDS } from './organisations.queries';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem } from './password-policy';

// Messages are translation keys; the form shows them in the visitor's language.
const required = (max = 200) => z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(max, 'validation.maxLength');

const email = z
  .string({ error: 'validation.required' })
  .trim()
  .min(1, 'validation.required')
  .max(254, 'validation.maxLength')
  .pipe(z.email('validation.email'));

/**
 * Length here; whether a password is guessable needs the person's name and address, so
 * services check that with `passwordProblem` (registration has them in the form itself).
 */
const newPassword = z
  .string({ error: 'validation.required' })
  .min(1, 'validation.required')
  .min(PASSWORD_MIN_LENGTH, 'accounts.passwordPolicy.tooShort')
  .max(PASSWORD_MAX_LENGTH, 'validation.maxLength');

/**
 * Names appear in mails and lists: letters (with umlauts and accents), spaces, hyphen,
 * apostrophe and dot; no "@", no "<>", no web address ("evil.example") or link text a
 * stranger could plant in a mail to somebody else.
 */
const NAME_PATTERN = /^\p{L}[\p{L}\p{M} .'’-]*$/u;
const LOOKS_LIKE_ADDRESS = /\.\p{L}{2,}|www/iu;
export const personName = required(60)
  .regex(NAME_PATTERN, 'accounts.validation.name')
  .refine((name) => !LOOKS_LIKE_ADDRESS.test(name), 'accounts.validation.name');

/**
 * The checks that compare fields of a password form, over the whole object. They run even
 * when another field failed (zod skips an object's refinements after an aborting problem
 * such as a missing checkbox), so the form names every problem at once: a password that
 * is too short *and* does not match its confirmation shows both. The values may be
 * unparsed here, hence the type checks.
 */
const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');
const WHATEVER_ELSE_FAILED = { when: () => true };

/**
 * The new password: does it match its confirmation, and is it guessable? Guessability is
 * checked with what the form itself knows (registration: name and address); the services
 * check again with the stored name, so a form without those fields still shows a common
 * password together with a wrong confirmation. Length is the field's own check.
 */
function checkNewPassword(personalFields: string[]) {
  return (form: Record<string, unknown>, context: z.RefinementCtx): void => {
    const password = textOf(form.password);
    if (password !== textOf(form.passwordConfirm)) context.addIssue({ code: 'custom', path: ['passwordConfirm'], message: 'validation.passwordMismatch' });
    if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) return;
    const problem = passwordProblem(password, personalFields.map((field) => textOf(form[field])));
    if (problem) context.addIssue({ code: 'custom', path: ['password'], message: problem });
  };
}

const idFromSelect = z.coerce.number({ error: 'validation.selectOne' }).int('validation.selectOne').positive('validation.selectOne');

export const loginSchema = z.object({
  email: required(254),
  password: z.string({ error: 'validation.required' }).min(1, 'validation.required').max(200, 'validation.maxLength'),
});

export const registrationSchema = z
  .object({
    firstName: personName,
    lastName: personName,
    email,
    organisationId: idFromSelect,
    department: z.string().trim().max(200, 'validation.maxLength').optional().default(''),
    password: newPassword,
    passwordConfirm: z.string().optional().default(''),
    privacyAccepted: z.literal('yes', { error: 'validation.privacyRequired' }),
  })
  .superRefine(checkNewPassword(['firstName', 'lastName', 'email']), WHATEVER_ELSE_FAILED);

export const forgotPasswordSchema = z.object({ email });

export const resetPasswordSchema = z
  .object({ password: newPassword, passwordConfirm: z.string().optional().default('') })
  .superRefine(checkNewPassword([]), WHATEVER_ELSE_FAILED);

export const changePasswordSchema = z
  .object({
    currentPassword: z.string({ error: 'validation.required' }).min(1, 'validation.required').max(200, 'validation.maxLength'),
    password: newPassword,
    passwordConfirm: z.string().optional().default(''),
  })
  .superRefine(checkNewPassword([]), WHATEVER_ELSE_FAILED);

export const languageSchema = z.object({ lang: z.enum(['de', 'en'], 'validation.selectOne'), returnTo: z.string().optional() });

export const userFilterSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  role: z.enum(ROLES).optional().catch(undefined),
  status: z.enum(['active', 'inactive']).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).optional().catch(1).default(1),
});

export const roleChangeSchema = z.object({ role: z.enum(ROLES, 'validation.selectOne') });

export const organisationSchema = z.object({
  name: required(200),
  kind: z.enum(ORGANISATION_KINDS, 'validation.selectOne'),
  active: z
    .enum(['yes', 'no'])
    .optional()
    .transform((value) => value !== 'no'),
});

export type RegistrationInput = z.output<typeof registrationSchema>;
export type OrganisationInput = z.output<typeof organisationSchema>;
