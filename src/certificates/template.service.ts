import type { Config } from '../config';
import type { Database } from '../db/database';
import { translatorFor } from '../i18n/i18n';
import type { CertificateTemplateData, ImageSource } from './certificate.pdf';
import * as queries from './template.queries';

/** Certificates are German documents; the defaults are German whatever the screen language. */
const t = translatorFor('de');

/**
 * The per-programme certificate template (title, text, signatories, logos, funding line)
 * and its uploaded images. A programme without a stored template gets sensible defaults,
 * so certificates can be issued before anybody configured anything.
 */
export function createCertificateTemplateService(db: Database, config: Config) {
  function defaultTemplate(programme: queries.ProgrammeForTemplate): CertificateTemplateData {
    const kind = programme.certificate_kind;
    return {
      title: t(`certificates.defaults.${kind}.title`),
      body: t(`certificates.defaults.${kind}.body`),
      fundingLine: config.region.fundingLine,
      signatories: [],
      logoImageIds: [],
    };
  }

  return {
    /** What a certificate of this programme is printed with now. */
    async templateFor(programmeId: number): Promise<CertificateTemplateData> {
      const [stored, programme] = await Promise.all([queries.selectTemplate(db, programmeId), queries.selectProgrammeForTemplate(db, programmeId)]);
      if (!programme) throw new Error(`programme ${programmeId} does not exist`);
      if (!stored) return defaultTemplate(programme);
      return { title: stored.title, body: stored.body, fundingLine: stored.funding_line, signatories: stored.signatories, logoImageIds: stored.logo_image_ids };
    },

    /** The images the templates use, loaded once, for drawing many certificates. */
    async imageSource(templates: CertificateTemplateData[]): Promise<ImageSource> {
      const ids = new Set<number>();
      for (const template of templates) {
        template.logoImageIds.forEach((id) => ids.add(id));
        template.signatories.forEach((signatory) => signatory.signatureImageId && ids.add(signatory.signatureImageId));
      }
      const rows = await queries.selectImages(db, [...ids]);
      const bytes = new Map(rows.map((row) => [row.id, row.bytes]));
      return (id) => bytes.get(id);
    },
  };
}

export type CertificateTemplateService = ReturnType<typeof createCertificateTemplateService>;
