import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { useTestApp } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { loginAs } from '../support/http';
import { testDatabaseUrl } from '../support/database';
import { startServerProcess } from '../support/server-process';
import { freePort } from '../support/throwaway-cluster';

const MB = 1024 * 1024;

/** `npm start` as operators run it: a real process that gets SIGTERM from systemd, Kubernetes or Ctrl-C. */
describe('the server process', () => {
  const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kokoma-sigterm-'));
  const ctx = useTestApp({ UPLOAD_DIR: uploadDir, MAX_UPLOAD_MB: '64' });

  afterAll(() => fs.rmSync(uploadDir, { recursive: true, force: true }));

  it('lets a running 30 MB download finish on SIGTERM, then stops cleanly', async () => {
    // A public handout of 30 MB, uploaded through the app like a coordinator would.
    const coordinator = await createUser(ctx.db, { role: 'coordinator' });
    const offering = await createOffering(ctx.db);
    const agent = await loginAs(ctx.app, coordinator);
    const content = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(30 * MB, 0x41), Buffer.from('\n%%EOF\n')]);
    const form = await agent.get(`/offerings/${offering.id}/materials/new`);
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(form.text)![1]!.replace(/&amp;/g, '&').replace(/&#x3D;|&#61;/g, '=');
    const upload = await agent
      .post(action)
      .field('target', `session:${offering.sessionIds[0]}`)
      .field('title', 'Handreichung')
      .field('description', '')
      .field('visibility', 'public')
      .attach('file', content, { filename: 'Handreichung.pdf', contentType: 'application/pdf' });
    expect(upload.status).toBe(303);
    const material = await ctx.db('materials').where({ title: 'Handreichung' }).first();

    const server = startServerProcess({ NODE_ENV: 'test', DATABASE_URL: testDatabaseUrl(), PORT: '0', UPLOAD_DIR: uploadDir, DEMO_SEED: 'false', MAIL_DIR: path.join(uploadDir, 'mail') });
    try {
      const port = await server.listening;
      const received: Buffer[] = [];
      const download = new Promise<{ status: number }>((resolve, reject) => {
        const req = http.get(`http://127.0.0.1:${port}/materials/${material.id}/download`, (res) => {
          res.on('data', (chunk: Buffer) => received.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
          res.on('error', reject);
          // A slow client: read the first chunk, then stop reading while the process is told to stop.
          res.once('data', () => {
            res.pause();
            server.child.kill('SIGTERM');
            setTimeout(() => res.resume(), 1500);
          });
        });
        req.on('error', reject);
      });
      const { status } = await download;
      const body = Buffer.concat(received);
      expect(status).toBe(200);
      expect(body.length).toBe(content.length);
      expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('shutting down');
      expect(server.output()).toContain('"msg":"stopped"');
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 90_000);
});

/** Without DATABASE_URL: the embedded database, a second checkout, a port that is taken. */
describe('the server process on its embedded database', () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kokoma-embedded-'));
  // As root, PostgreSQL runs as the `postgres` user, which must reach its data directory.
  fs.chmodSync(workDir, 0o755);
  afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

  it('refuses a second instance on the same data directory and a busy port with a message saying what to do, and stops its database on SIGTERM', async () => {
    const pgPort = await freePort();
    const env = (dataDir: string) => ({
      NODE_ENV: 'development',
      PORT: '0',
      EMBEDDED_PG_DIR: path.join(workDir, dataDir),
      EMBEDDED_PG_PORT: String(pgPort),
      DEMO_SEED: 'false',
      UPLOAD_DIR: path.join(workDir, 'uploads'),
      MAIL_DIR: path.join(workDir, 'mail'),
    });
    const first = startServerProcess(env('postgres'));
    try {
      const port = await first.listening;

      const second = startServerProcess(env('postgres'));
      expect(await second.exited).toBe(1);
      expect(second.output()).toContain('wird bereits verwendet');
      expect(second.output()).toContain('is already in use');
      expect(second.output()).toContain('DATABASE_URL');
      expect(second.output()).not.toMatch(/^undefined$/m);

      const otherCheckout = startServerProcess(env('postgres-other-checkout'));
      expect(await otherCheckout.exited).toBe(1);
      expect(otherCheckout.output()).toContain(`Port ${pgPort} für die eingebettete Datenbank ist bereits belegt`);
      expect(otherCheckout.output()).toContain('EMBEDDED_PG_PORT');

      const home = await fetch(`http://127.0.0.1:${port}/`);
      expect(home.status).toBe(200);

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      // Development logs are for people: one readable line per request, not JSON.
      expect(first.output()).toMatch(/GET \/ 200 \d+ ms/);
      expect(first.output()).not.toContain('{"level"');
      // The app stopped its database last: nothing listens on its port any more.
      const client = new Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${pgPort}/postgres` });
      await expect(client.connect()).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      first.child.kill('SIGKILL');
    }
  }, 120_000);
});
