import type { NextFunction, Request, Response } from 'express';
import { actorOf } from '../audit/audit.service';
import { idParam, userOf } from '../http/request';
import { Forbidden } from '../shared/errors';
import { setFlash } from '../http/flash';
import { formData, type FormPage } from '../http/forms';
import { ACCEPTED_EXTENSIONS } from './file-types';
import type { NewMaterialForm } from './materials.schemas';
import { downloadQuerySchema } from './materials.schemas';
import type { MaterialsService } from './materials.service';
import { formatFileSize } from '../shared/format';
import { groupMaterials, targetOptions, versionRows } from './materials.view';
import { sendStoredFile } from './download';
import type { MaterialStorage } from './storage';
import { receivedUpload, type ReceivedUpload } from '../http/upload';
import type { ReceivedFile } from './materials.service';
import { pageNumber } from '../shared/paging';


/** A file the upload pipeline streamed into the storage, as the service takes it. */
export function asReceivedFile(file: ReceivedUpload | undefined): ReceivedFile {
  if (!file?.storageKey || !file.sha256) throw new Error('the upload pipeline let a form without a stored file through');
  return { storageKey: file.storageKey, size: file.size, sha256: file.sha256, originalName: file.originalName };
}

/** The file of the form (the pipeline refused the form without one). */
const storedFile = (res: Response) => asReceivedFile(receivedUpload(res, 'file'));

export function createMaterialsHandlers(materials: MaterialsService, storage: MaterialStorage, limits: { maxMegabytes: number }) {
  const fileHint = { accept: ACCEPTED_EXTENSIONS.join(','), maxMegabytes: limits.maxMegabytes };

  const newMaterialPage: FormPage = {
    view: 'materials/new',
    titleKey: 'materials.new.title',
    locals: async (req) => {
      const { offering, modules, sessions } = await materials.uploadTargets(userOf(req), idParam(req));
      return { offering, targetOptions: targetOptions(modules, sessions, req.t, req.locale), ...fileHint };
    },
  };

  const managePage: FormPage = {
    view: 'materials/manage',
    titleKey: 'materials.manage.title',
    locals: async (req) => {
      const page = await materials.materialForManaging(userOf(req), idParam(req), idParam(req, 'materialId'));
      return { ...page, currentSize: formatFileSize(page.current.size_bytes, req.locale), versions: versionRows(page.versions, req.locale), ...fileHint };
    },
  };

  return {
    newMaterialPage,
    managePage,

    async list(req: Request, res: Response): Promise<void> {
      const page = await materials.offeringMaterials(req.user, idParam(req), pageNumber(req.query.page));
      res.renderPage('materials/list', {
        title: req.t('materials.list.title', { offering: page.offering.title }),
        ...page,
        groups: groupMaterials(page.materials, page.modules, page.sessions, req.locale),
      });
    },

    /** Before multer stores anything: only people who may upload here send their bytes to disk. */
    async checkCanUpload(req: Request, _res: Response, next: NextFunction): Promise<void> {
      await materials.assertCanUpload(userOf(req), idParam(req));
      next();
    },

    async checkCanManage(req: Request, _res: Response, next: NextFunction): Promise<void> {
      await materials.materialForManaging(userOf(req), idParam(req), idParam(req, 'materialId'));
      next();
    },

    async create(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const form = formData<NewMaterialForm>(res);
      const file = storedFile(res);
      await materials.createMaterial(userOf(req), offeringId, form, file, actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'materials.flash.created', params: { title: form.title } });
      res.redirect(303, `/offerings/${offeringId}/materials`);
    },

    async addVersion(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const materialId = idParam(req, 'materialId');
      const version = await materials.addVersion(userOf(req), offeringId, materialId, storedFile(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'materials.flash.versionAdded', params: { version } });
      res.redirect(303, `/offerings/${offeringId}/materials/${materialId}`);
    },

    async remove(req: Request, res: Response): Promise<void> {
      const offeringId = idParam(req);
      const { title } = await materials.deleteMaterial(userOf(req), offeringId, idParam(req, 'materialId'), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'materials.flash.deleted', params: { title } });
      res.redirect(303, `/offerings/${offeringId}/materials`);
    },

    async download(req: Request, res: Response): Promise<void> {
      const { view } = downloadQuerySchema.parse(req.query);
      const file = await materials.fileForDownload(req.user, idParam(req, 'materialId'), { inline: view });
      await sendStoredFile(req, res, storage, file);
    },

    async downloadVersion(req: Request, res: Response): Promise<void> {
      const file = await materials.fileForDownload(req.user, idParam(req, 'materialId'), { version: idParam(req, 'version') });
      await sendStoredFile(req, res, storage, file);
    },

    /** Anonymous visitors who may not open a file are sent to log in, and come back to it. */
    loginWhenAnonymous(error: unknown, req: Request, res: Response, next: NextFunction): void {
      if (error instanceof Forbidden && !req.user && req.method === 'GET') return res.redirect(`/login?next=${encodeURIComponent(req.originalUrl)}`);
      next(error);
    },
  };
}
