import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NextFunction, Request, Response } from 'express';
import multer, { MulterError, type StorageEngine } from 'multer';
import type { z } from 'zod';
import { cleanFileName } from '../shared/files';
import { renderFormPage, type FormPage } from './forms';
import { keptInput, parseForm, type FieldErrors } from './validate';

/**
 * The one way a multipart form with files comes in: multer with one set of limits, one
 * mapping of its errors to messages on the form, the file names cleaned once, a content
 * check per domain (the `inspect` hook) and the form's other fields validated together
 * with the files. Every refused upload shows its form again (with the person's input)
 * and keeps nothing. The CSRF token of these forms travels in the action URL, because
 * the body is read only here, after the CSRF check (see security.ts).
 */

/** Where streamed files go (the material storage): written under a new key, hashed on the way. */
export type UploadStore = {
  newKey(): string;
  put(key: string, source: Readable): Promise<unknown>;
  delete(key: string): Promise<void>;
  /** Called once the response is over: removes the file unless a row now points to it. */
  discardUnlessKept(key: string): Promise<void>;
  onCleanupError(error: unknown): void;
};

/** A received file; `bytes` in memory mode, `storageKey` and `sha256` when streamed to a store. */
export type ReceivedUpload<T = undefined> = {
  field: string;
  /** As the client named it, cleaned (no path, no control characters, NFC, ≤ 255 characters). */
  originalName: string;
  /** What the client claimed; only a hint, the content decides. */
  mimeType: string;
  size: number;
  bytes?: Buffer;
  storageKey?: string;
  sha256?: string;
  /** What the domain's `inspect` hook made of the content. */
  content: T;
};

export type UploadRefusal = 'tooLarge' | 'unexpectedFile' | 'fieldTooLong' | 'formTooLarge' | 'badForm' | 'aborted' | 'required';

/** The domain's content check: what the file is, or why it is refused (a message on its field). */
export type Inspection<T> = { ok: true; content: T } | { ok: false; messageKey: string; params?: Record<string, unknown> };

export type UploadOptions<T> = {
  /** The form's file inputs; each takes one file. */
  fileFields: readonly string[];
  maxMegabytes: number;
  /** Streams into this store; without it the files are kept in memory (small files only). */
  store?: UploadStore;
  /** The form to show again when the upload is refused. */
  page: FormPage;
  /** Whether the (first) file field must carry a file. */
  required?: boolean;
  /** Other wording for a refusal where the form has its own; common.upload.* otherwise. */
  messages?: Partial<Record<UploadRefusal, string>>;
  /** How long a text field may be (bytes); 16 KB unless the form takes pasted lists. */
  maxFieldBytes?: number;
  inspect?: (file: ReceivedUpload) => Promise<Inspection<T>> | Inspection<T>;
};

const MAX_TEXT_FIELDS = 20;

/** A multer storage engine that writes to the store while hashing (SHA-256) and counting: no second pass, nothing in memory. */
class HashingStorageEngine implements StorageEngine {
  constructor(private readonly store: UploadStore) {}

  _handleFile(_req: Request, file: Express.Multer.File, callback: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    const storageKey = this.store.newKey();
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
    Promise.all([pipeline(file.stream, meter), this.store.put(storageKey, meter)]).then(
      async () => {
        // Past the size limit busboy ends the stream early and marks it truncated: not a file to keep.
        if ((file.stream as { truncated?: boolean }).truncated) {
          await this.store.delete(storageKey);
          return callback(new MulterError('LIMIT_FILE_SIZE', file.fieldname));
        }
        callback(null, { size, storageKey, sha256: hash.digest('hex') } as Partial<Express.Multer.File>);
      },
      async (error: unknown) => {
        await this.store.delete(storageKey).catch(() => undefined);
        callback(error);
      },
    );
  }

  _removeFile(_req: Request, file: Express.Multer.File, callback: (error: Error | null) => void): void {
    const { storageKey } = file as { storageKey?: string };
    if (!storageKey) return callback(null);
    this.store.delete(storageKey).then(
      () => callback(null),
      (error: Error) => callback(error),
    );
  }
}

type Refused = { reason: UploadRefusal; field: string };

/** Why multer or busboy refused the form, or undefined for a failure that is not the person's. */
function refusalOf(error: unknown, fileFields: readonly string[]): Refused | undefined {
  const fileField = (field: string | undefined) => (field && fileFields.includes(field) ? field : fileFields.length === 1 ? fileFields[0]! : '_form');
  if (error instanceof MulterError) {
    if (error.code === 'LIMIT_FILE_SIZE') return { reason: 'tooLarge', field: fileField(error.field) };
    if (error.code === 'LIMIT_FILE_COUNT' || error.code === 'LIMIT_UNEXPECTED_FILE') return { reason: 'unexpectedFile', field: fileField(error.field) };
    if (error.code === 'LIMIT_FIELD_VALUE' && error.field) return { reason: 'fieldTooLong', field: error.field };
    return { reason: 'formTooLarge', field: '_form' };
  }
  const message = (error as { message?: string } | null)?.message ?? '';
  if (/^(Unexpected end of form|Malformed|Multipart: Boundary not found)/.test(message)) return { reason: 'badForm', field: '_form' };
  // The client went away: nobody reads the answer; multer and the engine removed what was written.
  if (/^Request (aborted|closed|error)$/.test(message)) return { reason: 'aborted', field: '_form' };
  return undefined;
}

/** The files of the current request, once `receive` has read them. */
export function receivedUploads<T = undefined>(res: Response): ReceivedUpload<T>[] {
  return (res.locals.uploads as ReceivedUpload<T>[] | undefined) ?? [];
}

export function receivedUpload<T = undefined>(res: Response, field?: string): ReceivedUpload<T> | undefined {
  return receivedUploads<T>(res).find((file) => field === undefined || file.field === field);
}

function collectUploads(req: Request): ReceivedUpload[] {
  const byField = (req.files ?? {}) as Record<string, (Express.Multer.File & { storageKey?: string; sha256?: string })[]>;
  return Object.entries(byField).flatMap(([field, files]) =>
    files.map((file) => ({
      field,
      originalName: cleanFileName(file.originalname),
      mimeType: file.mimetype,
      size: file.size,
      bytes: file.buffer,
      storageKey: file.storageKey,
      sha256: file.sha256,
      content: undefined,
    })),
  );
}

export function createUpload<T = undefined>(options: UploadOptions<T>) {
  const maxBytes = options.maxMegabytes * 1024 * 1024;
  const messageKey = (reason: UploadRefusal) => options.messages?.[reason] ?? `common.upload.${reason}`;
  const multerUpload = multer({
    storage: options.store ? new HashingStorageEngine(options.store) : multer.memoryStorage(),
    // Browsers send file names as raw UTF-8 ("Übung.pdf"); busboy's default would read them as Latin-1.
    defParamCharset: 'utf8',
    limits: {
      fileSize: maxBytes,
      files: options.fileFields.length,
      fields: MAX_TEXT_FIELDS,
      parts: MAX_TEXT_FIELDS + options.fileFields.length,
      fieldNameSize: 100,
      fieldSize: options.maxFieldBytes ?? 16 * 1024,
    },
  }).fields(options.fileFields.map((name) => ({ name, maxCount: 1 })));

  /** Shows the form again with the messages, after removing every file received with it. */
  async function refuse(req: Request, res: Response, errors: FieldErrors, params: Record<string, Record<string, unknown>>): Promise<void> {
    const store = options.store;
    if (store) await Promise.all(receivedUploads(res).flatMap((file) => (file.storageKey ? [store.delete(file.storageKey)] : [])));
    // 422 like every other refused form, whatever the reason.
    await renderFormPage(req, res, options.page, errors, keptInput(req.body), params);
  }

  /** Reads the multipart body; a form that multer refuses is shown again with the reason. */
  function receive(req: Request, res: Response, next: NextFunction): void {
    // The error handler re-renders this page when a service throws `Invalid`, with req.params restored.
    res.locals.formPage = options.page;
    res.locals.formParams = req.params;
    multerUpload(req, res, (error?: unknown) => {
      const uploads = collectUploads(req);
      res.locals.uploads = uploads;
      const store = options.store;
      if (store) {
        for (const file of uploads) {
          if (file.storageKey) res.once('close', () => void store.discardUnlessKept(file.storageKey!).catch(store.onCleanupError));
        }
      }
      if (!error) return next();
      // Checked first: after a refusal multer reads the rest of the body, so the request is
      // over (and destroyed) by now, yet the person is still waiting for the answer.
      const refused = refusalOf(error, options.fileFields);
      if (!refused) return next(error);
      const params = refused.reason === 'tooLarge' ? { [refused.field]: { max: options.maxMegabytes } } : {};
      refuse(req, res, { [refused.field]: messageKey(refused.reason) }, params).catch(next);
    });
  }

  /**
   * Validates the other fields (zod schema) and the files (required, the domain's content
   * check) together, so the form shows every problem at once; on success the parsed
   * fields are in `formData(res)` and each file carries what `inspect` found.
   */
  function validate<S extends z.ZodType>(schema?: S) {
    return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      const parsed = schema ? parseForm(schema, req.body) : undefined;
      const errors: FieldErrors = parsed && !parsed.ok ? { ...parsed.errors } : {};
      const params: Record<string, Record<string, unknown>> = parsed && !parsed.ok ? { ...parsed.errorParams } : {};
      const uploads = receivedUploads(res);
      const requiredField = options.fileFields[0]!;
      if (options.required && !uploads.some((file) => file.field === requiredField)) errors[requiredField] = messageKey('required');
      if (options.inspect) {
        for (const file of uploads) {
          const inspection = await options.inspect(file);
          if (inspection.ok) (file as ReceivedUpload<T>).content = inspection.content;
          else if (!errors[file.field]) {
            errors[file.field] = inspection.messageKey;
            if (inspection.params) params[file.field] = inspection.params;
          }
        }
      }
      if (Object.keys(errors).length > 0) return refuse(req, res, errors, params);
      res.locals.formData = parsed?.ok ? parsed.data : {};
      next();
    };
  }

  return { receive, validate };
}
