import { createHash } from 'node:crypto';
import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { Invalid, NotFound } from '../shared/errors';
import { parseBerlinLocal, toBerlinInputValue } from '../shared/format';
import { translatorFor } from '../i18n/i18n';
import { renderCertificate, type CertificateSnapshot, type CertificateTemplateData, type ImageSource } from './certificate.pdf';
import { checkCertificateImage, MAX_IMAGE_SIDE_PIXELS, type ImageContentType } from './template.images';
import * as queries from './template.queries';
import { logoField, signatureImageField, type TemplateInput } from './template.schemas';

/** An image file as received from the form, its type found by `inspectCertificateImage`. */
export type UploadedImage = { field: string; bytes: Buffer; contentType: ImageContentType };

/**
 * The content check the upload pipeline runs on every image of the form (its inspect
 * hook): PNG or JPEG by content, not too many pixels, one pdfkit can draw.
 */
export async function inspectCertificateImage(
  bytes: Buffer,
): Promise<{ ok: true; content: ImageContentType } | { ok: false; messageKey: string; params?: Record<string, unknown> }> {
  const image = await checkCertificateImage(bytes);
  if (image.ok) return { ok: true, content: image.contentType };
  if (image.reason === 'notImage') return { ok: false, messageKey: 'certificateTemplates.errors.notImage' };
  return { ok: false, messageKey: 'certificateTemplates.errors.tooManyPixels', params: { width: image.width, height: image.height, max: MAX_IMAGE_SIDE_PIXELS } };
}


const DAY_MS = 24 * 60 * 60 * 1000;

/** A Berlin wall-clock time ("09:00") on the day `daysAgo` days before `now`. */
function berlinTimeOnDay(now: Date, daysAgo: number, time: string): Date {
  const day = toBerlinInputValue(new Date(now.getTime() - daysAgo * DAY_MS)).slice(0, 10);
  return parseBerlinLocal(`${day}T${time}`) ?? new Date(now.getTime() - daysAgo * DAY_MS);
}

/** Certificates are German documents; the defaults are German whatever the screen language. */
const t = translatorFor('de');

/** The preview's verification code: 20 characters of Crockford base32, obviously not a real one. */
const SAMPLE_CODE = '0'.repeat(20);
/** Where the preview's QR code points: the public verification page, without a real code. */
const SAMPLE_VERIFICATION_PATH = `/verify/${SAMPLE_CODE}`;

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

  function storedTemplate(stored: queries.TemplateRow): CertificateTemplateData {
    return { title: stored.title, body: stored.body, fundingLine: stored.funding_line, signatories: stored.signatories, logoImageIds: stored.logo_image_ids };
  }

  async function programmeOrNotFound(programmeId: number): Promise<queries.ProgrammeForTemplate> {
    const programme = await queries.selectProgrammeForTemplate(db, programmeId);
    if (!programme) throw new NotFound();
    return programme;
  }

  /** The template as it is now, and whether it is the default (nothing stored yet). */
  async function currentTemplate(programme: queries.ProgrammeForTemplate): Promise<{ template: CertificateTemplateData; isDefault: boolean }> {
    const stored = await queries.selectTemplate(db, programme.id);
    return stored ? { template: storedTemplate(stored), isDefault: false } : { template: defaultTemplate(programme), isDefault: true };
  }

  /** What a certificate of this programme looks like with fictional data: the preview. */
  async function sampleSnapshot(programme: queries.ProgrammeForTemplate, template: CertificateTemplateData, now: Date): Promise<CertificateSnapshot> {
    const year = Number(toBerlinInputValue(now).slice(0, 4));
    const base = {
      version: 1 as const,
      kind: programme.certificate_kind,
      serial: t('certificateTemplates.sample.serial', { prefix: config.certificates.serialPrefix, year }),
      verificationCode: SAMPLE_CODE,
      verificationUrl: `${config.baseUrl}${SAMPLE_VERIFICATION_PATH}`,
      issuedAt: now.toISOString(),
      name: t('certificateTemplates.sample.name'),
      programmeTitle: programme.title,
      place: t('certificateTemplates.sample.place'),
      template,
      regionName: config.region.name,
    };
    if (programme.kind === 'series') {
      const modules = await queries.selectModulesForPreview(db, programme.id);
      // One module every four weeks, the last one a week ago.
      const dates = modules.map((_, index) => berlinTimeOnDay(now, 7 + (modules.length - 1 - index) * 28, '09:00').toISOString());
      return {
        ...base,
        offeringTitle: t('certificateTemplates.sample.cohort', { year }),
        periodFrom: dates[0] ?? now.toISOString(),
        periodTo: dates[dates.length - 1] ?? now.toISOString(),
        modules: modules.map((module, index) => ({ position: module.position, title: module.title, dates: [dates[index]!], teachingUnits: module.teaching_units })),
        totalUnits: modules.reduce((sum, module) => sum + module.teaching_units, 0),
        sessions: [],
        durationMinutes: 0,
      };
    }
    const startsAt = berlinTimeOnDay(now, 14, '09:00');
    const endsAt = berlinTimeOnDay(now, 14, '16:00');
    return {
      ...base,
      offeringTitle: programme.title,
      periodFrom: startsAt.toISOString(),
      periodTo: endsAt.toISOString(),
      modules: [],
      totalUnits: 0,
      sessions: [{ startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() }],
      durationMinutes: Math.round((endsAt.getTime() - startsAt.getTime()) / 60000),
    };
  }

  async function imageSource(templates: CertificateTemplateData[]): Promise<ImageSource> {
    const ids = new Set<number>();
    for (const template of templates) {
      template.logoImageIds.forEach((id) => ids.add(id));
      template.signatories.forEach((signatory) => signatory.signatureImageId && ids.add(signatory.signatureImageId));
    }
    const rows = await queries.selectImages(db, [...ids]);
    const bytes = new Map(rows.map((row) => [row.id, row.bytes]));
    return (id) => bytes.get(id);
  }

  return {
    /** What a certificate of this programme is printed with now. */
    async templateFor(programmeId: number): Promise<CertificateTemplateData> {
      const [stored, programme] = await Promise.all([queries.selectTemplate(db, programmeId), queries.selectProgrammeForTemplate(db, programmeId)]);
      if (!programme) throw new Error(`programme ${programmeId} does not exist`);
      if (!stored) return defaultTemplate(programme);
      return storedTemplate(stored);
    },

    /** The images the templates use, loaded once, for drawing many certificates. */
    imageSource,

    /** The form's data: the programme and its template now (stored or default). */
    async editorFor(user: SessionUser | undefined, programmeId: number) {
      assertCan(user, 'certificates.manage');
      const programme = await programmeOrNotFound(programmeId);
      return { programme, ...(await currentTemplate(programme)) };
    },

    /** Before the upload is read: only coordinators of an existing programme send their bytes. */
    async assertCanEdit(user: SessionUser | undefined, programmeId: number): Promise<void> {
      assertCan(user, 'certificates.manage');
      await programmeOrNotFound(programmeId);
    },

    /**
     * Saves the template with its new images in one transaction. Images are only ever added:
     * certificates issued earlier keep pointing at the ones they were printed with.
     */
    async saveTemplate(user: SessionUser | undefined, programmeId: number, input: TemplateInput, uploads: UploadedImage[], actor: Actor): Promise<void> {
      assertCan(user, 'certificates.manage');
      await programmeOrNotFound(programmeId);

      const errors: Record<string, string> = {};
      const received = new Map(uploads.map((upload) => [upload.field, { ...upload, sha256: createHash('sha256').update(upload.bytes).digest('hex') }]));

      await db.transaction(async (trx) => {
        const programme = await queries.lockProgrammeForTemplate(trx, programmeId);
        if (!programme) throw new NotFound();
        const storedRow = await queries.selectTemplate(trx, programmeId);
        const before = storedRow ? storedTemplate(storedRow) : null;

        // A slot keeps its image unless a new one was chosen or "remove" was ticked.
        const imageFor = async (field: string, current: number | null | undefined, remove: boolean): Promise<number | null> => {
          const image = received.get(field);
          if (!image) return remove ? null : (current ?? null);
          const existing = await queries.findImageByHash(trx, programmeId, image.sha256, image.contentType);
          if (existing) return existing;
          return queries.insertImage(trx, { programme_id: programmeId, content_type: image.contentType, bytes: image.bytes, sha256: image.sha256, uploaded_by: actor.userId });
        };

        const keptSignatureImage = (slotIndex: number, remove: boolean) => (remove ? null : (before?.signatories[slotIndex]?.signatureImageId ?? null));
        for (const [index, signatory] of input.signatories.entries()) {
          const hasImage = received.has(signatureImageField(signatory.slot)) || keptSignatureImage(index, signatory.removeImage) !== null;
          if (hasImage && !signatory.name) errors[`signatory${signatory.slot}Name`] ??= 'certificateTemplates.errors.imageWithoutName';
        }
        if (Object.keys(errors).length > 0) throw new Invalid(errors);

        const signatories: CertificateTemplateData['signatories'] = [];
        for (const [index, signatory] of input.signatories.entries()) {
          if (!signatory.name) continue;
          const signatureImageId = await imageFor(signatureImageField(signatory.slot), before?.signatories[index]?.signatureImageId, signatory.removeImage);
          signatories.push({ name: signatory.name, function: signatory.function, signatureImageId });
        }
        const logoImageIds: number[] = [];
        for (const [index, logo] of input.logos.entries()) {
          const id = await imageFor(logoField(logo.slot), before?.logoImageIds[index], logo.remove);
          if (id !== null) logoImageIds.push(id);
        }

        const after: CertificateTemplateData = { title: input.title, body: input.body, fundingLine: input.fundingLine, signatories, logoImageIds };
        await queries.upsertTemplate(trx, programmeId, {
          title: after.title,
          body: after.body,
          funding_line: after.fundingLine,
          signatories: after.signatories,
          logo_image_ids: after.logoImageIds,
          updated_by: actor.userId,
        });
        await recordAudit(trx, actor, { action: 'certificate_template.updated', subjectType: 'programme', subjectId: programmeId, before, after });
      });
    },

    /** A stored logo or signature, to show on the form. */
    async image(user: SessionUser | undefined, imageId: number): Promise<{ contentType: ImageContentType; bytes: Buffer }> {
      assertCan(user, 'certificates.manage');
      const image = await queries.findImage(db, imageId);
      if (!image) throw new NotFound();
      return { contentType: image.content_type, bytes: image.bytes };
    },

    /** The current template on a certificate with fictional data, marked "MUSTER". */
    async previewPdf(user: SessionUser | undefined, programmeId: number, now = new Date()): Promise<{ programme: queries.ProgrammeForTemplate; pdf: Buffer }> {
      assertCan(user, 'certificates.manage');
      const programme = await programmeOrNotFound(programmeId);
      const { template } = await currentTemplate(programme);
      const snapshot = await sampleSnapshot(programme, template, now);
      const pdf = await renderCertificate(snapshot, { images: await imageSource([template]), preview: true });
      return { programme, pdf };
    },
  };
}

export type CertificateTemplateService = ReturnType<typeof createCertificateTemplateService>;
