import { z } from 'zod';

/** Two signatories and two logos: what the certificate layout (and the table's check) has room for. */
export const SLOTS = [1, 2] as const;
export type Slot = (typeof SLOTS)[number];

/** The stored images may be at most this large (the table checks it too). */
export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;
export const MAX_IMAGE_MEGABYTES = 2;

/** The file fields of the form, in the order they appear on it. */
export const signatureImageField = (slot: Slot) => `signatory${slot}Image`;
export const logoField = (slot: Slot) => `logo${slot}`;
export const IMAGE_FIELDS = [...SLOTS.map(signatureImageField), ...SLOTS.map(logoField)];

// Messages are translation keys; the form shows them in the visitor's language.
// Browsers send line breaks of a textarea as CRLF; stored (and counted) as LF.
const text = (max: number, tooLong: string) =>
  z
    .string()
    .optional()
    .default('')
    .transform((value) => value.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().max(max, `certificateTemplates.errors.${tooLong}`));
const checked = z
  .string()
  .optional()
  .transform((value) => value === 'yes');

export const templateSchema = z
  .object({
    title: z
      .string({ error: 'certificateTemplates.errors.titleRequired' })
      .trim()
      .min(1, 'certificateTemplates.errors.titleRequired')
      .max(120, 'certificateTemplates.errors.titleTooLong'),
    body: text(1500, 'bodyTooLong'),
    fundingLine: text(300, 'fundingLineTooLong'),
    signatory1Name: text(100, 'nameTooLong'),
    signatory1Function: text(100, 'functionTooLong'),
    signatory1RemoveImage: checked,
    signatory2Name: text(100, 'nameTooLong'),
    signatory2Function: text(100, 'functionTooLong'),
    signatory2RemoveImage: checked,
    logo1Remove: checked,
    logo2Remove: checked,
  })
  .superRefine((form, ctx) => {
    for (const slot of SLOTS) {
      if (form[`signatory${slot}Function`] && !form[`signatory${slot}Name`]) {
        ctx.addIssue({ code: 'custom', path: [`signatory${slot}Name`], message: 'certificateTemplates.errors.nameMissing' });
      }
    }
  });

export type TemplateForm = z.output<typeof templateSchema>;

/** What the service saves: the form's fields per slot. */
export type TemplateInput = {
  title: string;
  body: string;
  fundingLine: string;
  signatories: { slot: Slot; name: string; function: string; removeImage: boolean }[];
  logos: { slot: Slot; remove: boolean }[];
};

export function templateInput(form: TemplateForm): TemplateInput {
  return {
    title: form.title,
    body: form.body,
    fundingLine: form.fundingLine,
    signatories: SLOTS.map((slot) => ({
      slot,
      name: form[`signatory${slot}Name`],
      function: form[`signatory${slot}Function`],
      removeImage: form[`signatory${slot}RemoveImage`],
    })),
    logos: SLOTS.map((slot) => ({ slot, remove: form[`logo${slot}Remove`] })),
  };
}
