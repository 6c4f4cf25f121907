import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NextFunction, Request, Response } from 'express';
import multer, { MulterError, type StorageEngine } from 'multer';
import { AppError } from '../http/errors';
import type { z } from 'zod';
import { validateForm, type FormPage } from '../http/forms';
import { keptInput, parseForm } from '../http/validate';
import { cleanFileName } from './file-types';
import type { ReceivedFile } from './materials.service';
import { newStorageKey, type MaterialStorage } from './storage';

/**
 * A multer storage engine that streams the file straight into the material storage
 * under a new random key, hashing (SHA-256) and counting the bytes on the way: nothing
 * is held in memory, and there is no second pass over the file for the hash.
 */
class HashingStorageEngine implements StorageEngine {
  constructor(private readonly storage: MaterialStorage) {}

  _handleFile(_req: Request, file: Express.Multer.File, callback: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    const storageKey = newStorageKey();
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    // An aborted request destroys file.stream, which fails both and removes the partial file.
    Promise.all([pipeline(file.stream, meter), this.storage.put(storageKey, meter)]).then(
      async () => {
        // Past the size limit busboy ends the stream early and marks it truncated: not a file to keep.
        if ((file.stream as { truncated?: boolean }).truncated) {
          await this.storage.delete(storageKey);
          return callback(new MulterError('LIMIT_FILE_SIZE', file.fieldname));
        }
        const received: ReceivedFile = { storageKey, size, sha256: hash.digest('hex'), originalName: cleanFileName(file.originalname) };
        callback(null, { ...received, size } as Partial<Express.Multer.File>);
      },
      async (error: unknown) => {
        await this.storage.delete(storageKey).catch(() => undefined);
        callback(error);
      },
    );
  }

  _removeFile(_req: Request, file: Express.Multer.File, callback: (error: Error | null) => void): void {
    const { storageKey } = file as unknown as Partial<ReceivedFile>;
    if (!storageKey) return callback(null);
    this.storage.delete(storageKey).then(
      () => callback(null),
      (error: Error) => callback(error),
    );
  }
}

export function receivedFile(req: Request): ReceivedFile | undefined {
  const file = req.file as (Express.Multer.File & Partial<ReceivedFile>) | undefined;
  if (!file?.storageKey || file.sha256 === undefined || file.originalName === undefined) return undefined;
  return { storageKey: file.storageKey, size: file.size, sha256: file.sha256, originalName: file.originalName };
}

type UploadOptions = {
  storage: MaterialStorage;
  maxBytes: number;
  maxMegabytes: number;
  /** Called once the response is over: removes the file unless a row now points to it. */
  discardUnlessStored: (storageKey: string) => Promise<void>;
  /** The form to show again (with the error on the file field) when the upload is refused. */
  page: FormPage;
  onCleanupError: (error: unknown) => void;
};

const FIELD_NAME = 'file';

/** Why multer refused, as a message on the file field and an HTTP status. */
function refusal(error: unknown): { status: number; messageKey: string } | undefined {
  if (error instanceof MulterError) {
    // 422 like every other refused form: the page is shown again with the message and the input.
    if (error.code === 'LIMIT_FILE_SIZE') return { status: 422, messageKey: 'materials.errors.tooLarge' };
    if (error.code === 'LIMIT_FILE_COUNT' || error.code === 'LIMIT_UNEXPECTED_FILE') return { status: 422, messageKey: 'materials.errors.oneFile' };
    return { status: 413, messageKey: 'materials.errors.formTooLarge' };
  }
  const message = (error as { message?: string } | null)?.message ?? '';
  // busboy: a body that is not a well-formed multipart form.
  if (/^(Unexpected end of form|Malformed|Multipart: Boundary not found)/.test(message)) return { status: 400, messageKey: 'materials.errors.badForm' };
  return undefined;
}

/**
 * Receives the one file of a multipart form (field "file") into the storage, with the
 * form's other fields in req.body. A refused upload shows the form again; any file that
 * is not in the database when the response is over is removed.
 */
export function receiveUpload(options: UploadOptions) {
  const upload = multer({
    storage: new HashingStorageEngine(options.storage),
    // Browsers send file names as raw UTF-8 ("Übung.pdf"); busboy's default would read them as Latin-1.
    defParamCharset: 'utf8',
    limits: { fileSize: options.maxBytes, files: 1, fields: 10, parts: 11, fieldNameSize: 100, fieldSize: 16 * 1024 },
  }).single(FIELD_NAME);

  return (req: Request, res: Response, next: NextFunction): void => {
    upload(req, res, (error?: unknown) => {
      const file = receivedFile(req);
      if (file) {
        res.once('close', () => {
          options.discardUnlessStored(file.storageKey).catch(options.onCleanupError);
        });
      }
      if (!error) return next();
      // Checked first: after a refusal multer reads the rest of the body, so the request is
      // over (and destroyed) by now, yet the person is still waiting for the answer.
      const refused = refusal(error);
      if (refused) return void renderRefusal(req, res, options, refused).catch(next);
      // The client went away: there is nobody to answer (multer and the engine removed the partial file).
      if (/^Request (aborted|closed|error)$/.test((error as { message?: string }).message ?? '')) return next(new AppError(400, 'materials.errors.aborted'));
      next(error);
    });
  };
}

/**
 * `validateForm` for an upload form: when the other fields are refused, the received file
 * is removed before the form is shown again (not only once the response is over).
 */
export function validateUploadForm<S extends z.ZodType>(schema: S, page: FormPage, storage: MaterialStorage) {
  const validate = validateForm(schema, page);
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const file = receivedFile(req);
    if (file && !parseForm(schema, req.body).ok) await storage.delete(file.storageKey);
    return validate(req, res, next);
  };
}

async function renderRefusal(req: Request, res: Response, options: UploadOptions, refused: { status: number; messageKey: string }): Promise<void> {
  const page = options.page;
  const extra = page.locals ? await page.locals(req, res) : {};
  res.status(refused.status);
  res.renderPage(page.view, {
    title: req.t(page.titleKey),
    errors: { [FIELD_NAME]: refused.messageKey },
    errorParams: { [FIELD_NAME]: { max: options.maxMegabytes } },
    values: keptInput(req.body),
    ...extra,
  });
}
