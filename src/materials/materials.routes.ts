import path from 'node:path';
import { Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { showForm, type FormPage } from '../http/forms';
import { createUpload } from '../http/upload';
import { requireRole } from '../http/guards';
import { asReceivedFile, createMaterialsHandlers } from './materials.handlers';
import { newMaterialSchema, newVersionSchema } from './materials.schemas';
import { createS3Storage } from './s3-storage';
import type { MaterialsService } from './materials.service';
import { createLocalStorage, newStorageKey, type MaterialStorage } from './storage';

/**
 * The local directory (the default, one instance) or the S3-compatible bucket that several
 * instances share (STORAGE_DRIVER=s3). Materials have their own area in either
 * (`materials/`), so other domains' files are never swept as orphans.
 */
export function createMaterialStorage(config: Config): MaterialStorage {
  if (config.storage.s3) return createS3Storage(config.storage.s3, 'materials/');
  return createLocalStorage(path.join(config.uploads.dir, 'materials'));
}

export function materialsRouter(materials: MaterialsService, storage: MaterialStorage, config: Config, logger: Logger): Router {
  const handlers = createMaterialsHandlers(materials, storage, config.uploads);
  const teaching = requireRole('trainer', 'coordinator', 'admin');
  // Streamed into the material storage (hashed while written); the content decides the type (file-types.ts).
  const upload = (page: FormPage) =>
    createUpload({
      fileFields: ['file'],
      required: true,
      maxMegabytes: config.uploads.maxMegabytes,
      page,
      inspect: (file) => materials.inspectUpload(asReceivedFile(file)),
      store: {
        newKey: newStorageKey,
        put: (key, source) => storage.put(key, source),
        delete: (key) => storage.delete(key),
        discardUnlessKept: (key) => materials.discardUnlessStored(key),
        onCleanupError: (error) => logger.error({ err: error }, 'could not remove an uploaded file'),
      },
    });
  const newMaterialUpload = upload(handlers.newMaterialPage);
  const versionUpload = upload(handlers.managePage);

  const router = Router();
  router.get('/offerings/:id/materials', handlers.list);
  router.get('/offerings/:id/materials/new', teaching, showForm(handlers.newMaterialPage));
  router.post('/offerings/:id/materials', teaching, handlers.checkCanUpload, newMaterialUpload.receive, newMaterialUpload.validate(newMaterialSchema), handlers.create);
  router.get('/offerings/:id/materials/:materialId', teaching, showForm(handlers.managePage));
  router.post('/offerings/:id/materials/:materialId/versions', teaching, handlers.checkCanManage, versionUpload.receive, versionUpload.validate(newVersionSchema), handlers.addVersion);
  router.post('/offerings/:id/materials/:materialId/delete', teaching, handlers.remove);
  router.get('/materials/:materialId/download', handlers.download, handlers.loginWhenAnonymous);
  router.get('/materials/:materialId/versions/:version/download', handlers.downloadVersion, handlers.loginWhenAnonymous);
  return router;
}
