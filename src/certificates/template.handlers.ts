import type { NextFunction, Request, Response } from 'express';
import { actorOf } from '../audit/audit.service';
import { idParam } from '../http/request';
import { setFlash } from '../http/flash';
import { formData, type FormPage } from '../http/forms';
import { createUpload, receivedUploads } from '../http/upload';
import { contentDisposition } from '../shared/files';
import type { ImageContentType } from './template.images';
import { IMAGE_FIELDS, MAX_IMAGE_MEGABYTES, templateInput, type TemplateForm } from './template.schemas';
import { inspectCertificateImage, type CertificateTemplateService, type UploadedImage } from './template.service';
import { imageSlots, previewFileName, templateFormValues } from './template.view';

/** A hint for the browser's file picker; the content decides (see the service). */
const ACCEPT = '.png,.jpg,.jpeg,image/png,image/jpeg';

const editorPath = (programmeId: number) => `/manage/programmes/${programmeId}/certificate`;

/** The images of the form, each checked by content on the way in; a file input left empty sends none. */
function uploadedImages(res: Response): UploadedImage[] {
  return receivedUploads<ImageContentType>(res).flatMap((file) => (file.bytes ? [{ field: file.field, bytes: file.bytes, contentType: file.content }] : []));
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

  // In memory: at most 4 images of 2 MB each, checked by content before anything is saved.
  const upload = createUpload({
    fileFields: IMAGE_FIELDS,
    maxMegabytes: MAX_IMAGE_MEGABYTES,
    page: editorPage,
    messages: { tooLarge: 'certificateTemplates.errors.tooLarge' },
    inspect: (file) => inspectCertificateImage(file.bytes ?? Buffer.alloc(0)),
  });

  return {
    editorPage,

    /** Before multer reads the bytes: only coordinators of an existing programme upload. */
    async checkCanEdit(req: Request, _res: Response, next: NextFunction): Promise<void> {
      await templates.assertCanEdit(req.user, idParam(req));
      next();
    },

    upload,

    async save(req: Request, res: Response): Promise<void> {
      const programmeId = idParam(req);
      await templates.saveTemplate(req.user, programmeId, templateInput(formData<TemplateForm>(res)), uploadedImages(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'certificateTemplates.flash.saved' });
      res.redirect(303, editorPath(programmeId));
    },

    async preview(req: Request, res: Response): Promise<void> {
      const { programme, pdf } = await templates.previewPdf(req.user, idParam(req));
      res.setHeader('Content-Type', 'application/pdf');
      res.setHeader('Content-Disposition', contentDisposition('inline', previewFileName(programme)));
      res.setHeader('Cache-Control', 'no-store');
      res.send(pdf);
    },

    async image(req: Request, res: Response): Promise<void> {
      const image = await templates.image(req.user, idParam(req, 'imageId'));
      res.setHeader('Content-Type', image.contentType);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Disposition', contentDisposition('inline'));
      // Images are never changed under their id (append-only), so a browser may keep them.
      res.setHeader('Cache-Control', 'private, max-age=86400, immutable');
      res.send(image.bytes);
    },
  };
}
