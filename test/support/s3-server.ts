import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { S3Client } from '@aws-sdk/client-s3';
import { freePort } from './throwaway-cluster';

/**
 * A real S3-compatible server for the tests: s3rver (pure JavaScript, stores on disk) on a
 * loopback port, with the credentials it accepts. The tests create their bucket themselves.
 */

type KoaContext = {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  status: number;
  type: string;
  body: unknown;
};
type S3rverInstance = {
  middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[];
  run(): Promise<unknown>;
  close(): Promise<void>;
  httpServer?: Server;
};
// s3rver ships no types; this is the part of it the tests use.
const S3rver = createRequire(__filename)('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

export type S3TestServer = {
  endpoint: string;
  /** The settings the app needs for STORAGE_DRIVER=s3 against this server. */
  env: (bucket: string) => Record<string, string>;
  /** A client with the same credentials, for the tests' own look into the bucket. */
  client: S3Client;
  /** Multipart uploads started and neither completed nor aborted (s3rver keeps their parts on disk). */
  openUploadIds: (bucket: string) => Promise<string[]>;
  /** Stops the server (the bucket becomes unreachable); `start` brings it back on the same port. */
  stop: () => Promise<void>;
  start: () => Promise<void>;
  close: () => Promise<void>;
};

const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';
const UPLOADS_FOLDER = '._S3rver_uploads';

const xmlEscape = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * s3rver 3.7 implements multipart uploads but neither ListMultipartUploads nor
 * AbortMultipartUpload, which AWS, MinIO and Ceph all have and the driver relies on to
 * leave no parts behind. These two answer from s3rver's own upload folders, as S3 would.
 */
function multipartHousekeeping(directory: string) {
  const uploadsOf = (bucket: string) => path.join(directory, bucket, UPLOADS_FOLDER);
  return async (ctx: KoaContext, next: () => Promise<void>) => {
    const [, bucket = '', ...keyParts] = ctx.path.split('/');
    const key = keyParts.join('/');
    if (ctx.method === 'DELETE' && key && ctx.query.uploadId) {
      const folder = path.join(uploadsOf(bucket), path.basename(ctx.query.uploadId));
      const exists = await fs.stat(folder).then(() => true, () => false);
      await fs.rm(folder, { recursive: true, force: true });
      ctx.status = exists ? 204 : 404;
      if (!exists) {
        ctx.type = 'application/xml';
        ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
      }
      return;
    }
    if (ctx.method === 'GET' && !key && bucket && 'uploads' in ctx.query) {
      const prefix = ctx.query.prefix ?? '';
      const ids = await fs.readdir(uploadsOf(bucket)).catch(() => [] as string[]);
      const uploads: string[] = [];
      for (const id of ids) {
        const folder = path.join(uploadsOf(bucket), id);
        const uploadKey = await fs.readFile(path.join(folder, 'key'), 'utf8').catch(() => undefined);
        if (uploadKey === undefined || !uploadKey.startsWith(prefix)) continue;
        const initiated = (await fs.stat(folder)).birthtime.toISOString();
        uploads.push(`<Upload><Key>${xmlEscape(uploadKey)}</Key><UploadId>${id}</UploadId><Initiated>${initiated}</Initiated></Upload>`);
      }
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${xmlEscape(bucket)}</Bucket><IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`;
      return;
    }
    await next();
  };
}

/** Runs s3rver in this process: the entry point of the child process `startS3Server` starts. */
async function serve(port: number, directory: string): Promise<void> {
  const instance = new S3rver({ address: '127.0.0.1', port, directory, silent: true });
  instance.middleware.unshift(multipartHousekeeping(directory));
  await instance.run();
  process.stdout.write('ready\n');
  const shutDown = () => {
    instance.httpServer?.closeAllConnections();
    void instance.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutDown);
  // The test process holds our stdin: if it dies without stopping us, we go too.
  process.stdin.once('end', shutDown).resume();
}

if (require.main === module) void serve(Number(process.env.S3_TEST_PORT), process.env.S3_TEST_DIR!);

/**
 * s3rver runs in a process of its own, like a bucket on another machine: the memory the
 * tests measure is the app's, and stopping it makes the bucket really unreachable.
 */
export async function startS3Server(): Promise<S3TestServer> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'kokoma-s3-'));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    if (child) return;
    const started = spawn(process.execPath, ['--import', 'tsx', __filename], {
      env: { ...process.env, S3_TEST_PORT: String(port), S3_TEST_DIR: directory, NODE_NO_WARNINGS: '1' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child = started;
    await new Promise<void>((resolve, reject) => {
      started.once('exit', (code) => reject(new Error(`s3rver exited with ${code} before it was ready`)));
      started.stdout!.once('data', () => resolve());
    });
    started.removeAllListeners('exit');
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  }

  await start();
  const client = new S3Client({ endpoint, region: 'eu-central-1', forcePathStyle: true, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY } });
  return {
    endpoint,
    env: (bucket) => ({
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: endpoint,
      S3_REGION: 'eu-central-1',
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: ACCESS_KEY,
      S3_SECRET_ACCESS_KEY: SECRET_KEY,
      S3_FORCE_PATH_STYLE: 'true',
    }),
    client,
    openUploadIds: async (bucket) => fs.readdir(path.join(directory, bucket, UPLOADS_FOLDER)).catch(() => []),
    stop,
    start,
    close: async () => {
      client.destroy();
      await stop();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
