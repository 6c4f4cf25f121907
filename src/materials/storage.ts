import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Inclusive byte positions, as in an HTTP Range header. */
export type ByteRange = { start: number; end: number };
export type StoredObject = { size: number; modifiedAt: Date };
/** `complete: false` marks the leftover of an interrupted write (its key is still deletable). */
export type ListedObject = StoredObject & { key: string; complete: boolean };

/**
 * Where material files live. The app only ever talks to this interface, so an
 * S3-compatible store can replace the local directory; keys are random and never
 * derived from what the client sent.
 */
export interface MaterialStorage {
  /** Stores the stream under `key`; the object appears only once it is complete. */
  put(key: string, source: Readable): Promise<StoredObject>;
  /** The object's bytes (or one range of them) as a stream. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  stat(key: string): Promise<StoredObject | null>;
  /** Removes the object; removing one that is not there is no error. */
  delete(key: string): Promise<void>;
  /** Everything stored, also leftovers of interrupted writes, for the orphan cleanup. */
  list(): AsyncIterable<ListedObject>;
}

const KEY = /^[0-9a-f]{32}$/;
const PARTIAL_SUFFIX = '.partial';
const READ_CHUNK_BYTES = 256 * 1024;

export function newStorageKey(): string {
  return randomBytes(16).toString('hex');
}

export function isStorageKey(value: string): boolean {
  return KEY.test(value);
}

/**
 * Files in a directory, spread over 256 subdirectories by the first two hex digits of
 * the key. A file is written as `<key>.partial`, flushed to disk and then renamed, so a
 * crash leaves at most a partial file (or a complete file without a database row), never
 * a truncated object under a key.
 */
export function createLocalStorage(root: string): MaterialStorage {
  const fanout = (key: string) => path.join(root, key.slice(0, 2));

  function pathOf(key: string): string {
    const base = key.endsWith(PARTIAL_SUFFIX) ? key.slice(0, -PARTIAL_SUFFIX.length) : key;
    if (!KEY.test(base)) throw new Error(`not a storage key: ${JSON.stringify(key)}`);
    return path.join(fanout(base), key);
  }

  async function removeFile(file: string): Promise<void> {
    await fs.rm(file, { force: true });
  }

  return {
    async put(key, source) {
      const finalPath = pathOf(key);
      const partialPath = `${finalPath}${PARTIAL_SUFFIX}`;
      await fs.mkdir(path.dirname(finalPath), { recursive: true });
      try {
        await pipeline(source, createWriteStream(partialPath, { flags: 'wx', flush: true }));
        await fs.rename(partialPath, finalPath);
      } catch (error) {
        await removeFile(partialPath);
        throw error;
      }
      const stats = await fs.stat(finalPath);
      return { size: stats.size, modifiedAt: stats.mtime };
    },

    async get(key, range) {
      const handle = await fs.open(pathOf(key), 'r');
      return handle.createReadStream({ start: range?.start, end: range?.end, highWaterMark: READ_CHUNK_BYTES, autoClose: true });
    },

    async stat(key) {
      try {
        const stats = await fs.stat(pathOf(key));
        return { size: stats.size, modifiedAt: stats.mtime };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },

    async delete(key) {
      await removeFile(pathOf(key));
    },

    async *list() {
      let directories: string[];
      try {
        directories = await fs.readdir(root);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const directory of directories.filter((name) => /^[0-9a-f]{2}$/.test(name))) {
        for (const name of await fs.readdir(path.join(root, directory))) {
          const complete = KEY.test(name);
          if (!complete && !(name.endsWith(PARTIAL_SUFFIX) && KEY.test(name.slice(0, -PARTIAL_SUFFIX.length)))) continue;
          const stats = await fs.stat(path.join(root, directory, name)).catch(() => null);
          if (stats) yield { key: name, complete, size: stats.size, modifiedAt: stats.mtime };
        }
      }
    },
  };
}
