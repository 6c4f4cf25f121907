import type { CertificateTemplateData } from './certificate.model';
import { logoField, signatureImageField, SLOTS, type Slot } from './template.schemas';

/** The text fields of the form as the stored (or default) template fills them. */
export function templateFormValues(template: CertificateTemplateData): Record<string, string> {
  const values: Record<string, string> = { title: template.title, body: template.body, fundingLine: template.fundingLine };
  SLOTS.forEach((slot, index) => {
    values[`signatory${slot}Name`] = template.signatories[index]?.name ?? '';
    values[`signatory${slot}Function`] = template.signatories[index]?.function ?? '';
  });
  return values;
}

/** One image slot of the form: its file field, the remove checkbox and the image it holds now. */
export type ImageSlot = { slot: Slot; fileField: string; removeField: string; imageUrl: string | null; signatoryName: string };

export const imageUrl = (imageId: number) => `/manage/certificate-images/${imageId}`;

export function imageSlots(template: CertificateTemplateData): { signatures: ImageSlot[]; logos: ImageSlot[] } {
  return {
    signatures: SLOTS.map((slot, index) => {
      const signatory = template.signatories[index];
      return {
        slot,
        fileField: signatureImageField(slot),
        removeField: `signatory${slot}RemoveImage`,
        imageUrl: signatory?.signatureImageId ? imageUrl(signatory.signatureImageId) : null,
        signatoryName: signatory?.name ?? '',
      };
    }),
    logos: SLOTS.map((slot, index) => {
      const id = template.logoImageIds[index];
      return { slot, fileField: logoField(slot), removeField: `${logoField(slot)}Remove`, imageUrl: id ? imageUrl(id) : null, signatoryName: '' };
    }),
  };
}

/** The preview's file name: ASCII only, so every browser keeps it. */
export function previewFileName(programme: { id: number; certificate_kind: 'certificate' | 'confirmation' }): string {
  return `muster-${programme.certificate_kind === 'certificate' ? 'zertifikat' : 'teilnahmebestaetigung'}-${programme.id}.pdf`;
}
