import type { NextFunction, Request, Response } from 'express';
import multer, { MulterError } from 'multer';
import { actorOf } from '../audit/audit.service';
import { idParam } from '../catalog/catalog.handlers';
import { AppError, Invalid } from '../http/errors';
import { setFlash } from '../http/flash';
import { formData, type FormPage } from '../http/forms';
import { IMAGE_FIELDS, MAX_IMAGE_BYTES, MAX_IMAGE_MEGABYTES, templateInput, type TemplateForm } from './template.schemas';
import type { CertificateTemplateService, UploadedImage } from './template.service';
import { imageSlots, previewFileName, templateFormValues } from './template.view';

/** A hint for the browser's file picker; the content decides (see the service). */
const ACCEPT = '.png,.jpg,.jpeg,image/png,image/jpeg';

const editorPath = (programmeId: number) => `/manage/programmes/${programmeId}/certificate`;

/** Why multer refused the form: a message on the file field (422) or an error page. */
function refusal(error: unknown): Invalid | AppError | undefined {
  if (error instanceof MulterError) {
    if (error.code === 'LIMIT_FILE_SIZE' && error.field) {
      return new Invalid({ [error.field]: 'certificateTemplates.errors.tooLarge' }, { [error.field]: { max: MAX_IMAGE_MEGABYTES } });
    }
    if (error.code === 'LIMIT_FILE_COUNT' || error.code === 'LIMIT_UNEXPECTED_FILE') return new Invalid({ _form: 'certificateTemplates.errors.unexpectedFile' });
    return new AppError(413, 'certificateTemplates.errors.formTooLarge');
  }
  const message = (error as { message?: string } | null)?.message ?? '';
  // busboy: a body that is not a well-formed multipart form.
  if (/^(Unexpected end of form|Malformed|Multipart: Boundary not found)/.test(message)) return new AppError(400, 'certificateTemplates.errors.badForm');
  return undefined;
}

/** The files of the form; a file input left empty arrives as a nameless part without bytes. */
function uploadedImages(req: Request): UploadedImage[] {
  const files = (req.files ?? {}) as Record<string, Express.Multer.File[]>;
  return IMAGE_FIELDS.flatMap((field) => (files[field] ?? []).filter((file) => file.size > 0 || file.originalname).map((file) => ({ field, bytes: file.buffer })));
}

export function createCertificateTemplateHandlers(templates: CertificateTemplateService) {
  const editorPage: FormPage = {
    view: 'certificates/template',
    titleKey: 'certificateTemplates.editor.title',
    locals: async (req) => {
      const { programme, template, isDefault } = await templates.editorFor(req.user, idParam(req));
      // After a failed submit the checkboxes show what was sent, otherwise nothing is ticked.
      const ticked = req.method === 'POST' ? ((req.body ?? {}) as Record<string, unknown>) : {};
      return {
        programme,
        isDefault,
        current: templateFormValues(template),
        ...imageSlots(template),
        ticked: (field: string) => ticked[field] === 'yes',
        action: editorPath(programme.id),
        previewUrl: `${editorPath(programme.id)}/preview.pdf`,
        accept: ACCEPT,
        maxMegabytes: MAX_IMAGE_MEGABYTES,
      };
    },
  };

  // Memory storage: at most 4 images of 2 MB each, checked by content before anything is saved.
  const upload = multer({
    storage: multer.memoryStorage(),
    defParamCharset: 'utf8',
    limits: { fileSize: MAX_IMAGE_BYTES, files: IMAGE_FIELDS.length, fields: 20, parts: 20 + IMAGE_FIELDS.length, fieldNameSize: 100, fieldSize: 16 * 1024 },
  }).fields(IMAGE_FIELDS.map((name) => ({ name, maxCount: 1 })));

  return {
    editorPage,

    /** Before multer reads the bytes: only coordinators of an existing programme upload. */
    async checkCanEdit(req: Request, _res: Response, next: NextFunction): Promise<void> {
      await templates.assertCanEdit(req.user, idParam(req));
      next();
    },

    /** Reads the multipart form; a refused file shows the form again with the message on its field. */
    receiveImages(req: Request, res: Response, next: NextFunction): void {
      upload(req, res, (error?: unknown) => {
        if (!error) return next();
        if (req.destroyed) return next(new AppError(400, 'certificateTemplates.errors.badForm'));
        const refused = refusal(error);
        if (!refused) return next(error);
        // The error handler re-renders this page for `Invalid`, with req.params restored.
        res.locals.formPage = editorPage;
        res.locals.formParams = req.params;
        next(refused);
      });
    },

    async save(req: Request, res: Response): Promise<void> {
      const programmeId = idParam(req);
      await templates.saveTemplate(req.user, programmeId, templateInput(formData<TemplateForm>(res)), uploadedImages(req), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'certificateTemplates.flash.saved' });
      res.redirect(303, editorPath(programmeId));
    },

    async preview(req: Request, res: Response): Promise<void> {
      const { programme, pdf } = await templates.previewPdf(req.user, idParam(req));
      res.setHeader('Content-Type', 'application/pdf');
      res.setHeader('Content-Disposition', `inline; filename="${previewFileName(programme)}"`);
      res.setHeader('Cache-Control', 'no-store');
      res.send(pdf);
    },

    async image(req: Request, res: Response): Promise<void> {
      const image = await templates.image(req.user, idParam(req, 'imageId'));
      res.setHeader('Content-Type', image.contentType);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Disposition', 'inline');
      // Images are never changed under their id (append-only), so a browser may keep them.
      res.setHeader('Cache-Control', 'private, max-age=86400, immutable');
      res.send(image.bytes);
    },
  };
}
