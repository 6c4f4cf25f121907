import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { Client } from 'pg';
import { createDatabase } from '../../src/db/database';
import { createOffering } from '../support/catalog-factories';
import { createUser, nextTotpCode } from '../support/factories';
import { textOf } from '../support/http';
import { startS3Server, type S3TestServer } from '../support/s3-server';
import { browser, postgresBinDir, startInstances, startSystemCluster, stopInstances, tempDirectory, type Instance } from '../support/two-instances';

const ROOT = path.resolve(__dirname, '..', '..');
const BUCKET = 'kokoma-backup-source';

/** `npm run backup` / `npm run restore` as an operator runs them: processes with the app's environment. */
async function runScript(script: 'backup' | 'restore', argument: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', `${script}.ts`), argument], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'test', NODE_NO_WARNINGS: '1', ...env },
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/**
 * A backup tried once, end to end: data and a material uploaded into a bucket, backed up,
 * restored into a new database and a new (local) upload directory, and served from there.
 * pg_dump refuses a server newer than itself, so this runs a cluster of the system's own
 * PostgreSQL version (the embedded one ships no pg_dump).
 */
describe('backup and restore', () => {
  const binDir = postgresBinDir();
  const workDir = tempDirectory('backup');
  let cluster: Awaited<ReturnType<typeof startSystemCluster>>;
  let s3: S3TestServer;
  let running: Instance[] = [];

  beforeAll(async () => {
    cluster = await startSystemCluster(binDir);
    const admin = new Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query('CREATE DATABASE kokoma');
    await admin.query('CREATE DATABASE kokoma_restored');
    await admin.end();
    s3 = await startS3Server();
    await s3.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  }, 60_000);

  afterAll(async () => {
    await stopInstances(running);
    await s3?.close();
    cluster?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }, 30_000);

  it('brings back people, offerings and material files into a new database and upload directory', async () => {
    // The original installation: materials in a bucket.
    const source = { DATABASE_URL: cluster.url('kokoma'), MAIL_DIR: path.join(workDir, 'mail'), ...s3.env(BUCKET) };
    running = await startInstances(1, source);
    const db = createDatabase(cluster.url('kokoma'), { max: 2 });
    const coordinator = await createUser(db, { role: 'coordinator', firstName: 'Annegret', lastName: 'Wölfle' });
    const offering = await createOffering(db, { title: 'Deeskalation im Bürgerbüro' });
    const visitor = browser();
    const app = running[0]!.url;
    expect((await visitor.submit(`${app}/login`, `${app}/login`, { email: coordinator.email, password: coordinator.password })).status).toBe(303);
    // Staff confirm the login with their second factor's code (the key from the factory).
    expect((await visitor.submit(`${app}/login/code`, `${app}/login/code`, { code: await nextTotpCode(coordinator.email) })).status).toBe(303);
    const content = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(512 * 1024), Buffer.from('\n%%EOF\n')]);
    const form = await visitor.get(`${app}/offerings/${offering.id}/materials/new`);
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(form.text)![1]!.replace(/&amp;/g, '&').replace(/&#x3D;|&#61;/g, '=');
    const upload = await visitor.agent
      .post(`${app}${action}`)
      .field('target', `session:${offering.sessionIds[0]}`)
      .field('title', 'Gesprächsleitfaden')
      .field('description', '')
      .field('visibility', 'public')
      .attach('file', content, { filename: 'Leitfaden.pdf', contentType: 'application/pdf' });
    expect(upload.status).toBe(303);
    const material = await db('materials').where({ title: 'Gesprächsleitfaden' }).first();
    await db.destroy();
    await stopInstances(running);

    const backupDir = path.join(workDir, 'backup');
    const backup = await runScript('backup', backupDir, { ...source, PG_BIN_DIR: binDir });
    expect(backup).toMatchObject({ code: 0 });
    expect(backup.output).toContain('1 material file(s)');
    expect(fs.existsSync(path.join(backupDir, 'database.dump'))).toBe(true);

    // The new installation: a new database, materials in a local directory.
    const restoredEnv = { DATABASE_URL: cluster.url('kokoma_restored'), UPLOAD_DIR: path.join(workDir, 'restored-uploads'), MAIL_DIR: path.join(workDir, 'mail'), PG_BIN_DIR: binDir };
    const restore = await runScript('restore', backupDir, restoredEnv);
    expect(restore).toMatchObject({ code: 0 });
    // A second restore would mix two states: refused, nothing changed.
    const again = await runScript('restore', backupDir, restoredEnv);
    expect(again.code).not.toBe(0);
    expect(again.output).toContain('Die Datenbank ist nicht leer');

    running = await startInstances(1, restoredEnv);
    const restored = running[0]!.url;
    const person = browser();
    expect((await person.submit(`${restored}/login`, `${restored}/login`, { email: coordinator.email, password: coordinator.password })).status).toBe(303);
    // The second factor came back with the database: the same authenticator app still works.
    expect((await person.submit(`${restored}/login/code`, `${restored}/login/code`, { code: await nextTotpCode(coordinator.email) })).status).toBe(303);
    const page = await person.get(`${restored}/offerings/${offering.id}`);
    expect(page.status).toBe(200);
    expect(textOf(page.text)).toContain('Deeskalation im Bürgerbüro');
    expect(textOf(page.text)).toContain('Annegret Wölfle');
    const materials = await person.get(`${restored}/offerings/${offering.id}/materials`);
    expect(textOf(materials.text)).toContain('Gesprächsleitfaden');
    const download = await person.getBytes(`${restored}/materials/${material.id}/download`);
    expect(download.status).toBe(200);
    expect(Buffer.compare(download.body as Buffer, content)).toBe(0);
  }, 90_000);
});
