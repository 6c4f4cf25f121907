import path from 'node:path';
import { Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { showForm, type FormPage } from '../http/forms';
import { requireRole } from '../http/guards';
import { createMaterialsHandlers } from './materials.handlers';
import { newMaterialSchema, newVersionSchema } from './materials.schemas';
import type { MaterialsService } from './materials.service';
import { createLocalStorage, type MaterialStorage } from './storage';
import { receiveUpload, validateUploadForm } from './upload';

/** Materials have their own area of the upload directory, so other domains' files are never swept as orphans. */
export function createMaterialStorage(config: Config): MaterialStorage {
  return createLocalStorage(path.join(config.uploads.dir, 'materials'));
}

export function materialsRouter(materials: MaterialsService, storage: MaterialStorage, config: Config, logger: Logger): Router {
  const handlers = createMaterialsHandlers(materials, storage, config.uploads);
  const teaching = requireRole('trainer', 'coordinator', 'admin');
  const upload = (page: FormPage) =>
    receiveUpload({
      storage,
      maxBytes: config.uploads.maxBytes,
      maxMegabytes: config.uploads.maxMegabytes,
      discardUnlessStored: (storageKey) => materials.discardUnlessStored(storageKey),
      page,
      onCleanupError: (error) => logger.error({ err: error }, 'could not remove an uploaded file'),
    });

  const router = Router();
  router.get('/offerings/:id/materials', handlers.list);
  router.get('/offerings/:id/materials/new', teaching, showForm(handlers.newMaterialPage));
  router.post('/offerings/:id/materials', teaching, handlers.checkCanUpload, upload(handlers.newMaterialPage), validateUploadForm(newMaterialSchema, handlers.newMaterialPage, storage), handlers.create);
  router.get('/offerings/:id/materials/:materialId', teaching, showForm(handlers.managePage));
  router.post('/offerings/:id/materials/:materialId/versions', teaching, handlers.checkCanManage, upload(handlers.managePage), validateUploadForm(newVersionSchema, handlers.managePage, storage), handlers.addVersion);
  router.post('/offerings/:id/materials/:materialId/delete', teaching, handlers.remove);
  router.get('/materials/:materialId/download', handlers.download, handlers.loginWhenAnonymous);
  router.get('/materials/:materialId/versions/:version/download', handlers.downloadVersion, handlers.loginWhenAnonymous);
  return router;
}
