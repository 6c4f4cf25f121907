import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { inspect } from 'node:util';
import { CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand, ListObjectsV2Command, UploadPartCommand } from '@aws-sdk/client-s3';
import pino from 'pino';
import request from 'supertest';
import { createMaterialsService } from '../../src/materials/materials.service';
import { createMaterialStorage } from '../../src/materials/materials.routes';
import { newStorageKey, type ListedObject, type MaterialStorage } from '../../src/materials/storage';
import { testConfig, useTestApp, type TestContext } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { binaryParser, loginAs, textOf } from '../support/http';
import { startS3Server, type S3TestServer } from '../support/s3-server';

const MB = 1024 * 1024;
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
/** An MP4 `ftyp` box (brand mp42): what file-type reads to call the rest a video. */
const MP4_HEAD = Buffer.from('00000018667479706d703432000000006d70343269736f6d', 'hex');

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

async function waitFor(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listAll(storage: MaterialStorage): Promise<ListedObject[]> {
  const entries: ListedObject[] = [];
  for await (const entry of storage.list()) entries.push(entry);
  return entries;
}

/** What the bucket holds, by the S3 API itself (not through the driver). */
async function bucketKeys(s3: S3TestServer, bucket: string): Promise<string[]> {
  const listing = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listing.Contents ?? []).map((object) => object.Key!);
}

/** Starts s3rver before the app is built, so the app's config can point at it; one bucket per describe block. */
function useS3(bucket: string, extra: Record<string, string> = {}) {
  const env: Record<string, string> = { ...extra };
  const holder = {} as { s3: S3TestServer };
  beforeAll(async () => {
    holder.s3 = await startS3Server();
    await holder.s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
    Object.assign(env, holder.s3.env(bucket));
  });
  const ctx = useTestApp(env);
  afterAll(async () => holder.s3.close());
  return { ctx, holder };
}

describe('the storage configuration', () => {
  it('keeps the local directory by default and needs a bucket for s3', () => {
    expect(testConfig().storage).toEqual({ driver: 'local', s3: undefined });
    expect(() => testConfig({ STORAGE_DRIVER: 's3' })).toThrow(/S3_BUCKET: required when STORAGE_DRIVER=s3/);
    expect(() => testConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'kokoma', S3_ACCESS_KEY_ID: 'AKIA-ONLY' })).toThrow(/set both or neither/);
    expect(() => testConfig({ STORAGE_DRIVER: 'ftp' })).toThrow(/STORAGE_DRIVER/);
  });

  it('never shows the secret key when the configuration is logged or printed', () => {
    const secret = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
    const config = testConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'kokoma', S3_ACCESS_KEY_ID: 'AKIAEXAMPLE', S3_SECRET_ACCESS_KEY: secret });
    expect(config.storage.s3?.credentials?.secretAccessKey).toBe(secret);
    expect(JSON.stringify(config)).not.toContain(secret);
    expect(inspect(config, { depth: null })).not.toContain(secret);
    const logged: string[] = [];
    pino({ level: 'info' }, { write: (line: string) => logged.push(line) }).info({ config }, 'configuration');
    expect(logged.join('')).toContain('AKIAEXAMPLE');
    expect(logged.join('')).not.toContain(secret);
  });
});

describe('the S3 storage driver against a real S3-compatible server', () => {
  const bucket = 'kokoma-contract';
  const { ctx, holder } = useS3(bucket);
  let storage: MaterialStorage;
  beforeAll(() => {
    storage = createMaterialStorage(ctx.config);
  });

  it('stores, reads whole and by range, states, lists and deletes', async () => {
    const key = newStorageKey();
    const content = randomBytes(300 * 1024);
    const stored = await storage.put(key, Readable.from([content.subarray(0, 1000), content.subarray(1000)]));
    expect(stored.size).toBe(content.length);
    expect(await bucketKeys(holder.s3, bucket)).toEqual([`materials/${key}`]);

    expect(sha256(await collect(await storage.get(key)))).toBe(sha256(content));
    expect(await collect(await storage.get(key, { start: 100, end: 1099 }))).toEqual(content.subarray(100, 1100));
    expect(await collect(await storage.get(key, { start: content.length - 5, end: content.length - 1 }))).toEqual(content.subarray(-5));

    const state = await storage.stat(key);
    expect(state?.size).toBe(content.length);
    expect(Math.abs(state!.modifiedAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect(await storage.stat(newStorageKey())).toBeNull();
    expect(await listAll(storage)).toEqual([{ key, complete: true, size: content.length, modifiedAt: state!.modifiedAt }]);

    await storage.delete(key);
    await storage.delete(key);
    expect(await storage.stat(key)).toBeNull();
    expect(await bucketKeys(holder.s3, bucket)).toEqual([]);
  });

  it('shows a large file under its key only once it is complete; until then it is a partial upload', async () => {
    const key = newStorageKey();
    const source = new PassThrough();
    const part = randomBytes(MB);
    const writing = storage.put(key, source);
    for (let index = 0; index < 12; index += 1) source.write(part);
    await waitFor(async () => (await holder.s3.openUploadIds(bucket)).length === 1, 'the multipart upload to start');

    expect(await storage.stat(key)).toBeNull();
    expect(await bucketKeys(holder.s3, bucket)).toEqual([]);
    expect((await listAll(storage)).map(({ key: listed, complete }) => ({ listed, complete }))).toEqual([{ listed: `${key}.partial`, complete: false }]);

    for (let index = 0; index < 8; index += 1) source.write(part);
    source.end();
    expect((await writing).size).toBe(20 * MB);
    expect(await holder.s3.openUploadIds(bucket)).toEqual([]);
    expect((await storage.stat(key))?.size).toBe(20 * MB);
    expect(await collect(await storage.get(key, { start: 19 * MB, end: 19 * MB + 9 }))).toEqual(part.subarray(0, 10));
    await storage.delete(key);
  });

  it('aborts the upload when the source fails: no object, no parts, the source error reported', async () => {
    const key = newStorageKey();
    const source = new PassThrough();
    const writing = storage.put(key, source);
    for (let index = 0; index < 10; index += 1) source.write(randomBytes(MB));
    await waitFor(async () => (await holder.s3.openUploadIds(bucket)).length === 1, 'the multipart upload to start');
    source.destroy(new Error('Request aborted'));
    await expect(writing).rejects.toThrow('Request aborted');
    expect(await bucketKeys(holder.s3, bucket)).toEqual([]);
    expect(await holder.s3.openUploadIds(bucket)).toEqual([]);
    expect(await listAll(storage)).toEqual([]);
  });

  it('leaves other prefixes of the bucket alone', async () => {
    const key = newStorageKey();
    await holder.s3.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `certificates/${key}` }));
    await storage.put(key, Readable.from([PDF]));
    expect((await listAll(storage)).map((entry) => entry.key)).toEqual([key]);
    await storage.delete(key);
  });

  it('the hourly orphan cleanup removes objects without a row and aborts stale multipart uploads, and keeps what a row points to', async () => {
    const trainer = await createUser(ctx.db, { role: 'trainer' });
    const offering = await createOffering(ctx.db, { trainerIds: [trainer.id] });
    const kept = newStorageKey();
    await storage.put(kept, Readable.from([PDF]));
    const [material] = await ctx.db('materials').insert({ session_id: offering.sessionIds[0], title: 'Folien', visibility: 'enrolled', created_by: trainer.id }).returning('id');
    await ctx.db('material_versions').insert({
      material_id: (material as { id: number }).id, version: 1, storage_key: kept, original_name: 'Folien.pdf', size_bytes: PDF.length,
      sha256: sha256(PDF), content_type: 'application/pdf', file_kind: 'pdf', uploaded_by: trainer.id,
    });
    const orphan = newStorageKey();
    await storage.put(orphan, Readable.from([PDF]));
    // Another domain's unfinished upload in the same bucket: not the materials' to remove.
    await holder.s3.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `certificates/${newStorageKey()}` }));
    const othersOpen = await holder.s3.openUploadIds(bucket);
    // A crash in the middle of a large upload: the multipart upload was started, one part sent, never completed.
    const crashed = newStorageKey();
    const started = await holder.s3.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `materials/${crashed}` }));
    await holder.s3.client.send(new UploadPartCommand({ Bucket: bucket, Key: `materials/${crashed}`, UploadId: started.UploadId, PartNumber: 1, Body: randomBytes(5 * MB) }));
    expect(await holder.s3.openUploadIds(bucket)).toHaveLength(othersOpen.length + 1);

    const materials = createMaterialsService({ db: ctx.db, storage });
    // Within the hour nothing goes: an upload may still be in progress.
    expect(await materials.removeOrphanFiles()).toEqual({ removed: 0 });
    expect(await materials.removeOrphanFiles(60 * 60 * 1000, new Date(Date.now() + 2 * 60 * 60 * 1000))).toEqual({ removed: 2 });

    expect(await bucketKeys(holder.s3, bucket)).toEqual([`materials/${kept}`]);
    expect((await holder.s3.openUploadIds(bucket)).sort()).toEqual(othersOpen.sort());
  });
});

/** A trainer of a published offering's only session, who may put materials there. */
async function trainerWithSession(ctx: TestContext) {
  const trainer = await createUser(ctx.db, { role: 'trainer', firstName: 'Jana', lastName: 'Feldkamp' });
  const offering = await createOffering(ctx.db, { trainerIds: [trainer.id] });
  return { trainer, offering, target: `session:${offering.sessionIds[0]}` };
}

const unescapeHtml = (value: string) => value.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=').replace(/&#61;/g, '=').replace(/&quot;/g, '"');

function multipartActionIn(html: string): string {
  const match = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(html);
  if (!match?.[1]) throw new Error('no upload form on the page');
  return unescapeHtml(match[1]);
}

function download(agent: request.Agent | ReturnType<typeof request.agent>, url: string, headers: Record<string, string> = {}) {
  let get = agent.get(url);
  for (const [name, value] of Object.entries(headers)) get = get.set(name, value);
  return get.buffer(true).parse(binaryParser);
}

/**
 * The app on a real port with a logged-in trainer, for uploads a test streams itself
 * (supertest would hold a 200 MB body in memory) and cuts off.
 */
async function listeningAs(ctx: TestContext, user: { email: string; password: string }) {
  const server = ctx.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = request.agent(origin);
  const login = await agent.get('/login');
  const token = /name="_csrf" value="([^"]+)"/.exec(login.text)![1]!;
  expect((await agent.post('/login').type('form').send({ email: user.email, password: user.password, _csrf: token })).status).toBe(303);
  // Read when needed: the form page sets the CSRF cookie.
  const cookie = () =>
    (agent as unknown as { jar: { getCookies(access: unknown): { toValueString(): string }[] } }).jar
      .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
      .map((entry) => entry.toValueString())
      .join('; ');
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return { origin, agent, cookie, close };
}

/** Starts a multipart POST of the new-material form; the caller writes the file's bytes and ends (or cuts) it. */
function startUpload(origin: string, action: string, cookie: string, fields: Record<string, string>, file: { name: string; size: number }) {
  const boundary = '----kokoma-s3-test';
  const head = Buffer.from(
    Object.entries(fields)
      .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
      .join('') + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const upload = http.request(`${origin}${action}`, {
    method: 'POST',
    headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + file.size + tail.length },
  });
  const outcome = new Promise<string>((resolve) => {
    upload.on('error', (error) => resolve(`error ${(error as NodeJS.ErrnoException).code}`));
    upload.on('response', (response) => {
      response.resume();
      resolve(`response ${response.statusCode}`);
    });
  });
  upload.write(head);
  const write = (chunk: Buffer) => new Promise<void>((resolve, reject) => upload.write(chunk, (error) => (error ? reject(error) : resolve())));
  const end = () => upload.end(tail);
  return { upload, write, end, outcome };
}

describe('course materials in an S3 bucket, through the app', () => {
  const bucket = 'kokoma-app';
  const { ctx, holder } = useS3(bucket, { MAX_UPLOAD_MB: '300' });
  // The tables are emptied before each test; so is the bucket.
  beforeEach(async () => {
    for (const key of await bucketKeys(holder.s3, bucket)) await holder.s3.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  });

  async function uploadPdf(agent: Awaited<ReturnType<typeof loginAs>>, offeringId: number, target: string) {
    const form = await agent.get(`/offerings/${offeringId}/materials/new`);
    return agent.post(multipartActionIn(form.text)).field('target', target).field('title', 'Folien Eskalationsstufen').field('visibility', 'enrolled').attach('file', PDF, { filename: 'Folien.pdf', contentType: 'application/pdf' });
  }

  it('uploads a material into the bucket and downloads it whole, by range and with ETag revalidation', async () => {
    const { trainer, offering, target } = await trainerWithSession(ctx);
    const agent = await loginAs(ctx.app, trainer);
    expect((await uploadPdf(agent, offering.id, target)).status).toBe(303);

    const version = await ctx.db('material_versions').first();
    expect(version.sha256).toBe(sha256(PDF));
    expect(await bucketKeys(holder.s3, bucket)).toEqual([`materials/${version.storage_key}`]);

    const url = `/materials/${version.material_id}/download`;
    const whole = await download(agent, url);
    expect(whole.status).toBe(200);
    expect(whole.body).toEqual(PDF);
    expect(whole.headers['content-type']).toBe('application/pdf');
    expect(whole.headers['content-length']).toBe(String(PDF.length));
    expect(whole.headers.etag).toBe(`"${sha256(PDF)}"`);
    expect(whole.headers['accept-ranges']).toBe('bytes');

    const range = await download(agent, url, { Range: 'bytes=9-24' });
    expect(range.status).toBe(206);
    expect(range.headers['content-range']).toBe(`bytes 9-24/${PDF.length}`);
    expect(range.body).toEqual(PDF.subarray(9, 25));
    const suffix = await download(agent, url, { Range: 'bytes=-6' });
    expect(suffix.body.toString()).toBe('%%EOF\n');

    const revalidated = await download(agent, url, { 'If-None-Match': whole.headers.etag! });
    expect(revalidated.status).toBe(304);
    expect(revalidated.body).toHaveLength(0);
    expect((await download(agent, url, { Range: 'bytes=0-3', 'If-Range': '"an-older-version"' })).status).toBe(200);
    expect((await download(agent, url, { Range: `bytes=${PDF.length}-` })).status).toBe(416);
  });

  it('takes a 200 MB video in and serves a range of it without holding the file in memory', async () => {
    const { trainer, offering, target } = await trainerWithSession(ctx);
    const { origin, agent, cookie, close } = await listeningAs(ctx, trainer);
    // Blocks of 1 MB: one random block stamped with each block's number (so a range shows where it came from),
    // written from the same buffer once the previous write has left, so the test itself holds 1 MB.
    const base = randomBytes(MB);
    const block = (index: number, into = Buffer.from(base)) => {
      into.writeUInt32BE(index, 0);
      return into;
    };
    async function uploadVideo(title: string, blocks: number) {
      const hash = createHash('sha256').update(MP4_HEAD);
      const action = multipartActionIn((await agent.get(`/offerings/${offering.id}/materials/new`)).text);
      const sending = startUpload(origin, action, cookie(), { target, title, visibility: 'enrolled' }, { name: 'Aufzeichnung.mp4', size: MP4_HEAD.length + blocks * MB });
      await sending.write(MP4_HEAD);
      for (let index = 0; index < blocks; index += 1) {
        hash.update(block(index, base));
        await sending.write(base);
      }
      sending.end();
      expect(await sending.outcome).toBe('response 303');
      const version = await ctx.db('material_versions').join('materials', 'materials.id', 'material_versions.material_id').where('materials.title', title).first('material_versions.*');
      return { version, sha256: hash.digest('hex') };
    }
    try {
      // A 20 MB upload first, so the measurement sees what grows with the file's size, not the first use of the code paths.
      await uploadVideo('Probelauf', 20);
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      const sampler = setInterval(() => {
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      }, 20);
      try {
        const { version, sha256: expected } = await uploadVideo('Aufzeichnung Modul 1', 200);
        expect(Number(version.size_bytes)).toBe(MP4_HEAD.length + 200 * MB);
        expect(version.sha256).toBe(expected);
        expect(version.content_type).toBe('video/mp4');

        // The 151st block, read back through the app from the bucket.
        const start = MP4_HEAD.length + 150 * MB;
        const range = await download(agent, `/materials/${version.material_id}/download`, { Range: `bytes=${start}-${start + MB - 1}` });
        expect(range.status).toBe(206);
        expect(range.headers['content-range']).toBe(`bytes ${start}-${start + MB - 1}/${MP4_HEAD.length + 200 * MB}`);
        expect(range.body.equals(block(150))).toBe(true);
      } finally {
        clearInterval(sampler);
      }
      // Streamed, not buffered: growth stays far below the file's 200 MB. The bound leaves room for
      // garbage the collector has not reclaimed yet in this shared Jest worker (seen up to 66 MB on a
      // loaded machine); the precise figure belongs to the benchmarks.
      expect((rssPeak - rssBefore) / MB).toBeLessThan(100);
    } finally {
      await close();
    }
  });

  it('an upload cut off mid-way leaves no object, no parts and no row', async () => {
    const { trainer, offering, target } = await trainerWithSession(ctx);
    const { origin, agent, cookie, close } = await listeningAs(ctx, trainer);
    try {
      const action = multipartActionIn((await agent.get(`/offerings/${offering.id}/materials/new`)).text);
      const sending = startUpload(origin, action, cookie(), { target, title: 'Aufzeichnung', visibility: 'enrolled' }, { name: 'Aufzeichnung.mp4', size: MP4_HEAD.length + 100 * MB });
      await sending.write(MP4_HEAD);
      for (let index = 0; index < 12; index += 1) await sending.write(randomBytes(MB));
      await waitFor(async () => (await holder.s3.openUploadIds(bucket)).length === 1, 'the multipart upload to start');
      sending.upload.destroy();
      expect(await sending.outcome).toMatch(/^error /);

      await waitFor(async () => (await holder.s3.openUploadIds(bucket)).length === 0, 'the multipart upload to be aborted');
      expect(await bucketKeys(holder.s3, bucket)).toEqual([]);
      expect(await ctx.db('materials')).toHaveLength(0);
      expect(await ctx.db('material_versions')).toHaveLength(0);
    } finally {
      await close();
    }
  });

  describe('while the bucket cannot be reached', () => {
    afterEach(async () => holder.s3.start().catch(() => undefined));

    it('refuses an upload with a German 503 page and writes nothing; works again once the bucket is back', async () => {
      const { trainer, offering, target } = await trainerWithSession(ctx);
      const agent = await loginAs(ctx.app, trainer);
      await holder.s3.stop();

      const refused = await uploadPdf(agent, offering.id, target);
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('60');
      expect(textOf(refused.text)).toContain('Der Dateispeicher für Kursunterlagen ist gerade nicht erreichbar. Eine Datei, die Sie eben hochladen wollten, wurde nicht gespeichert.');
      expect(await ctx.db('materials')).toHaveLength(0);
      expect(await ctx.db('material_versions')).toHaveLength(0);
      expect(await ctx.db('audit_events').where('action', 'like', 'material%')).toHaveLength(0);

      await holder.s3.start();
      expect((await uploadPdf(agent, offering.id, target)).status).toBe(303);
      expect(await ctx.db('material_versions')).toHaveLength(1);
    });

    it('answers a download with the German 503 page', async () => {
      const { trainer, offering, target } = await trainerWithSession(ctx);
      const agent = await loginAs(ctx.app, trainer);
      expect((await uploadPdf(agent, offering.id, target)).status).toBe(303);
      const version = await ctx.db('material_versions').first();
      await holder.s3.stop();

      const response = await agent.get(`/materials/${version.material_id}/download`);
      expect(response.status).toBe(503);
      expect(textOf(response.text)).toContain('Der Dateispeicher für Kursunterlagen ist gerade nicht erreichbar.');
    });
  });
});
