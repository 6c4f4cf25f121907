import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ServiceUnavailable } from '../shared/errors';
import { isStorageKey, type ListedObject, type MaterialStorage, type StoredObject } from './storage';

export type S3Settings = {
  /** Unset: AWS itself; set for MinIO, Ceph or a German sovereign cloud. */
  endpoint: string | undefined;
  region: string;
  bucket: string;
  /** Unset: the SDK's own chain (environment, instance role). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** MinIO and most self-hosted stores address buckets by path, not by host name. */
  forcePathStyle: boolean;
};

const PARTIAL_SUFFIX = '.partial';
/** 5 MB parts (the least S3 takes), two in flight: an upload holds about 15 MB, whatever the file's size. */
const PART_BYTES = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;
/** Seconds a person is asked to wait when the bucket does not answer. */
const RETRY_AFTER_SECONDS = 60;

const NETWORK_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'TimeoutError']);

/** The bucket cannot be reached or is failing (network, 5xx); not a missing object or a refused request. */
function isUnreachable(error: unknown): boolean {
  const failure = error as { code?: string; name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | null;
  if (!failure) return false;
  const status = failure.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500 && status !== 501) return true;
  if (NETWORK_FAILURES.has(failure.code ?? '') || NETWORK_FAILURES.has(failure.name ?? '')) return true;
  // The SDK's retry layer re-wraps errors it does not recognise as its own (another realm, as under
  // Jest) into "AWS SDK error wrapper for Error: connect ECONNREFUSED …", keeping only the text.
  return /^AWS SDK error wrapper for .*\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE)\b/.test(failure.message ?? '');
}

function isMissing(error: unknown): boolean {
  const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return failure?.name === 'NotFound' || failure?.name === 'NoSuchKey' || failure?.$metadata?.httpStatusCode === 404;
}

/** An unreachable bucket becomes the German 503 page ("Dateispeicher nicht erreichbar"); everything else stays as it is. */
function asUnavailable(error: unknown): unknown {
  if (!isUnreachable(error)) return error;
  return Object.assign(new ServiceUnavailable(RETRY_AFTER_SECONDS, 'materials.errors.storageUnavailable'), { cause: error });
}

async function reaching<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asUnavailable(error);
  }
}

/**
 * Material files in an S3-compatible bucket (AWS, MinIO, Ceph, sovereign clouds), under
 * `<prefix><key>`. S3 makes an object visible only when its upload is complete: a single
 * PUT is atomic and a multipart upload (files over 5 MB) shows nothing until it is
 * completed, so a broken upload never leaves a truncated object under a key. What a
 * broken multipart upload does leave are its parts: lib-storage aborts the upload on
 * error, and `list` reports any that are still open as `<key>.partial` (deleting that
 * aborts them), so the orphan cleanup removes what a crash left behind.
 */
export function createS3Storage(settings: S3Settings, prefix: string): MaterialStorage {
  const client = new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    credentials: settings.credentials,
    forcePathStyle: settings.forcePathStyle,
    // A bucket that does not answer fails the request within seconds instead of holding it open.
    requestHandler: { connectionTimeout: 3000, requestTimeout: 60_000, throwOnRequestTimeout: true },
    maxAttempts: 2,
  });
  const Bucket = settings.bucket;

  function objectKey(key: string): string {
    const base = key.endsWith(PARTIAL_SUFFIX) ? key.slice(0, -PARTIAL_SUFFIX.length) : key;
    if (!isStorageKey(base)) throw new Error(`not a storage key: ${JSON.stringify(key)}`);
    return `${prefix}${base}`;
  }

  /** Open multipart uploads under the prefix (or for one object), page by page. */
  async function* openUploads(Prefix: string): AsyncIterable<{ Key: string; UploadId: string; Initiated: Date }> {
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (;;) {
      const page = await reaching(() => client.send(new ListMultipartUploadsCommand({ Bucket, Prefix, KeyMarker, UploadIdMarker })));
      for (const upload of page.Uploads ?? []) {
        if (upload.Key && upload.UploadId) yield { Key: upload.Key, UploadId: upload.UploadId, Initiated: upload.Initiated ?? new Date(0) };
      }
      if (!page.IsTruncated) return;
      KeyMarker = page.NextKeyMarker;
      UploadIdMarker = page.NextUploadIdMarker;
    }
  }

  async function stat(key: string): Promise<StoredObject | null> {
    try {
      const head = await reaching(() => client.send(new HeadObjectCommand({ Bucket, Key: objectKey(key) })));
      return { size: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date() };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  return {
    async put(key, source) {
      const upload = new Upload({
        client,
        params: { Bucket, Key: objectKey(key), Body: source, ContentType: 'application/octet-stream' },
        partSize: PART_BYTES,
        queueSize: PARTS_IN_FLIGHT,
        leavePartsOnError: false,
      });
      try {
        await reaching(() => upload.done());
      } catch (error) {
        // A person who went away fails the source: that is the reason to report (the upload
        // pipeline recognises it), not what aborting the upload answered.
        const reason = (source.errored as Error | null) ?? error;
        source.destroy();
        throw reason;
      }
      const stored = await stat(key);
      if (!stored) throw new Error(`the bucket does not show the object just written: ${key}`);
      return stored;
    },

    async get(key, range) {
      const Range = range ? `bytes=${range.start}-${range.end}` : undefined;
      const object = await reaching(() => client.send(new GetObjectCommand({ Bucket, Key: objectKey(key), Range })));
      // In Node the body is the response stream itself: bytes flow as the client reads them.
      return object.Body as Readable;
    },

    stat,

    async delete(key) {
      const Key = objectKey(key);
      if (key.endsWith(PARTIAL_SUFFIX)) {
        for await (const upload of openUploads(Key)) {
          if (upload.Key === Key) await reaching(() => client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: upload.UploadId })));
        }
        return;
      }
      // S3 answers 204 for a key that is not there: removing twice is no error.
      await reaching(() => client.send(new DeleteObjectCommand({ Bucket, Key })));
    },

    async *list(): AsyncIterable<ListedObject> {
      const keyOf = (objectName: string) => objectName.slice(prefix.length);
      const pages = paginateListObjectsV2({ client }, { Bucket, Prefix: prefix })[Symbol.asyncIterator]();
      for (;;) {
        const next = await reaching(() => pages.next());
        if (next.done) break;
        for (const object of next.value.Contents ?? []) {
          const key = keyOf(object.Key ?? '');
          if (isStorageKey(key)) yield { key, complete: true, size: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date() };
        }
      }
      for await (const upload of openUploads(prefix)) {
        const key = keyOf(upload.Key);
        if (isStorageKey(key)) yield { key: `${key}${PARTIAL_SUFFIX}`, complete: false, size: 0, modifiedAt: upload.Initiated };
      }
    },
  };
}
