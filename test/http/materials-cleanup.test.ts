import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createLogger } from '../../src/http/logger';
import { startJobs } from '../../src/jobs/jobs';
import { ORPHAN_CLEANUP_JOB, orphanCleanupJob } from '../../src/materials/materials.jobs';
import { createMaterialsService } from '../../src/materials/materials.service';
import { createLocalStorage, newStorageKey } from '../../src/materials/storage';
import { useTestApp } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { openTestDatabase, testDatabaseUrl } from '../support/database';
import { createUser } from '../support/factories';

const HOUR_MS = 60 * 60 * 1000;
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');

describe('orphaned material files', () => {
  const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kokoma-materials-cleanup-'));
  const ctx = useTestApp({ UPLOAD_DIR: uploadDir });
  const root = path.join(uploadDir, 'materials');
  const storage = createLocalStorage(root);

  beforeEach(() => fs.rmSync(root, { recursive: true, force: true }));
  afterAll(() => fs.rmSync(uploadDir, { recursive: true, force: true }));

  const fileOf = (key: string) => path.join(root, key.slice(0, 2), key);

  function age(file: string, hours: number): void {
    const then = new Date(Date.now() - hours * HOUR_MS);
    fs.utimesSync(file, then, then);
  }

  /** A file whose version row exists, one left by a crash before its row, one half-written, one just written. */
  async function filesOfEveryKind() {
    const trainer = await createUser(ctx.db, { role: 'trainer' });
    const offering = await createOffering(ctx.db, { trainerIds: [trainer.id] });
    const kept = newStorageKey();
    await storage.put(kept, Readable.from([PDF]));
    const [material] = await ctx.db('materials').insert({ session_id: offering.sessionIds[0], title: 'Folien', visibility: 'enrolled', created_by: trainer.id }).returning('id');
    await ctx.db('material_versions').insert({
      material_id: material.id,
      version: 1,
      storage_key: kept,
      original_name: 'Folien.pdf',
      size_bytes: PDF.length,
      sha256: 'a'.repeat(64),
      content_type: 'application/pdf',
      file_kind: 'pdf',
      uploaded_by: trainer.id,
    });
    age(fileOf(kept), 30 * 24);

    const crashed = newStorageKey();
    await storage.put(crashed, Readable.from([PDF]));
    age(fileOf(crashed), 2);

    const partial = `${newStorageKey()}.partial`;
    fs.mkdirSync(path.dirname(fileOf(partial)), { recursive: true });
    fs.writeFileSync(fileOf(partial), PDF.subarray(0, 10));
    age(fileOf(partial), 2);

    // Possibly an upload whose row is being written right now: too young to judge.
    const fresh = newStorageKey();
    await storage.put(fresh, Readable.from([PDF]));
    return { kept, crashed, partial, fresh };
  }

  it('removes files without a row that are older than an hour, also when two instances run it at once', async () => {
    const files = await filesOfEveryKind();
    const instanceA = openTestDatabase();
    const instanceB = openTestDatabase();
    try {
      const a = createMaterialsService({ db: instanceA, storage: createLocalStorage(root) });
      const b = createMaterialsService({ db: instanceB, storage: createLocalStorage(root) });
      const results = await Promise.all([a.removeOrphanFiles(), b.removeOrphanFiles()]);
      const removed = results.reduce((sum, result) => sum + result.removed, 0);
      expect(removed).toBeGreaterThanOrEqual(2);
      expect(removed).toBeLessThanOrEqual(4);
    } finally {
      await instanceA.destroy();
      await instanceB.destroy();
    }
    expect(fs.existsSync(fileOf(files.kept))).toBe(true);
    expect(fs.existsSync(fileOf(files.fresh))).toBe(true);
    expect(fs.existsSync(fileOf(files.crashed))).toBe(false);
    expect(fs.existsSync(fileOf(files.partial))).toBe(false);
    // The material is still there for its participants.
    expect(fs.readFileSync(fileOf(files.kept))).toEqual(PDF);
  });

  it('keeps the files of deleted materials (earlier versions are proof) and removes those of deleted sessions', async () => {
    const files = await filesOfEveryKind();
    await ctx.db('materials').update({ deleted_at: new Date(), deleted_by: (await ctx.db('users').first()).id });
    const service = createMaterialsService({ db: ctx.db, storage });
    await service.removeOrphanFiles();
    expect(fs.existsSync(fileOf(files.kept))).toBe(true);

    // A session that is removed takes its materials with it; the file is an orphan then.
    await ctx.db('attendance_records').delete();
    await ctx.db('offering_sessions').delete();
    expect(await service.removeOrphanFiles()).toEqual({ removed: 1 });
    expect(fs.existsSync(fileOf(files.kept))).toBe(false);
  });

  it('runs hourly from the PostgreSQL job queue', async () => {
    const files = await filesOfEveryKind();
    const logger = createLogger(ctx.config);
    const job = orphanCleanupJob(ctx.db, ctx.config, logger);
    expect(job.cron).toMatch(/^\d+ \* \* \* \*$/);
    const jobs = await startJobs(testDatabaseUrl(), [job], logger);
    try {
      await jobs.runNow(ORPHAN_CLEANUP_JOB);
      const deadline = Date.now() + 15_000;
      while (fs.existsSync(fileOf(files.crashed)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(fs.existsSync(fileOf(files.crashed))).toBe(false);
      expect(fs.existsSync(fileOf(files.kept))).toBe(true);
    } finally {
      await jobs.stop();
    }
  });
});
