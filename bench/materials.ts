import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { hashPassword } from '../src/accounts/passwords';
import { startBenchApp } from './lib/harness';

const FILE_MB = 200;
const FILE_BYTES = FILE_MB * 1024 * 1024;
const PASSWORD = 'Bench-Passwort-2026';
const MB = 1024 * 1024;
const ROUNDS = 3;

type Round = { copyMs: number; uploadMs: number; downloadMs: number; uploadRss: number; downloadRss: number; rssBefore: number };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
/** The start of an MP4 (`ftyp` box), so the upload is accepted as a video. */
const MP4_HEADER = Buffer.from('00000018667479706d703432000000006d70343269736f6d', 'hex');

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Resident memory of this process (the server; clients are curl processes), sampled every 10 ms. */
function rssSampler() {
  collectGarbage();
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  return {
    stop: () => {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return { before, peak, delta: peak - before };
    },
  };
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = process.hrtime.bigint();
  const result = await run();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

/** A 200 MB "recording": an MP4 header and random bytes (written in 1 MB chunks, hashed on the way). */
async function writeSourceFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  const out = fs.createWriteStream(file);
  const chunk = randomBytes(MB);
  for (let written = 0; written < FILE_BYTES; written += MB) {
    const part = written === 0 ? Buffer.concat([MP4_HEADER, chunk.subarray(MP4_HEADER.length)]) : chunk;
    hash.update(part);
    if (!out.write(part)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return hash.digest('hex');
}

/** The baseline: the same bytes copied on the same disk by streams, flushed like the upload is. */
async function diskCopy(source: string, target: string): Promise<void> {
  await pipeline(fs.createReadStream(source, { highWaterMark: 256 * 1024 }), fs.createWriteStream(target, { flush: true }));
}

/**
 * The client is curl in its own process (as a browser would be), so the resident memory
 * and CPU measured here are the server's alone. curl streams the file part from disk.
 */
function curl(args: string[]): Promise<{ status: number; bytes: number; headers: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['--silent', '--show-error', '--http1.1', '--dump-header', '-', '--write-out', '\n%{http_code} %{size_download}', ...args], { maxBuffer: MB }, (error, stdout) => {
      if (error) return reject(error);
      const lines = stdout.trimEnd().split('\n');
      const [status = '0', bytes = '0'] = (lines.pop() ?? '').split(' ');
      resolve({ status: Number(status), bytes: Number(bytes), headers: lines.join('\n') });
    });
  });
}

const headerArgs = (headers: Record<string, string>) => Object.entries(headers).flatMap(([name, value]) => ['--header', `${name}: ${value}`]);

function multipartUpload(url: string, headers: Record<string, string>, fields: Record<string, string>, file: { path: string; name: string }) {
  const formArgs = Object.entries(fields).flatMap(([name, value]) => ['--form-string', `${name}=${value}`]);
  return curl([...headerArgs(headers), ...formArgs, '--form', `file=@${file.path};filename="${file.name}";type=video/mp4`, '--output', '/dev/null', url]);
}

function streamDownload(url: string, headers: Record<string, string>, target: string) {
  return curl([...headerArgs(headers), '--output', target, url]);
}

const megabytes = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const throughput = (ms: number) => `${(FILE_BYTES / MB / (ms / 1000)).toFixed(0)} MB/s`;

/** Upload and download of a 200 MB file through the real app: resident memory and speed against a disk copy. */
async function main(): Promise<void> {
  const bench = await startBenchApp();
  const workDir = path.resolve(__dirname, '..', 'var', `bench-materials-${process.pid}`);
  fs.mkdirSync(workDir, { recursive: true });
  try {
    const { db } = bench;
    const passwordHash = await hashPassword(PASSWORD);
    const [organisation] = await db('organisations').insert({ name: 'Stadt Benchhausen', kind: 'municipality' }).returning('id');
    const person = (email: string, role: string, lastName: string) => ({ email, first_name: 'Bench', last_name: lastName, role, password_hash: passwordHash, organisation_id: organisation.id, email_verified_at: new Date() });
    const [trainer] = await db('users').insert(person('referentin@bench.example', 'trainer', 'Feldkamp')).returning('id');
    const [participant] = await db('users').insert(person('teilnehmerin@bench.example', 'participant', 'Schäfer')).returning('id');
    const [programme] = await db('programmes').insert({ kind: 'workshop', title: 'Umgang mit extremistischen Gruppierungen', certificate_kind: 'confirmation' }).returning('id');
    const day = 24 * 60 * 60 * 1000;
    const [offering] = await db('offerings')
      .insert({ programme_id: programme.id, title: 'Workshop Bench', capacity: 20, status: 'published', registration_opens_at: new Date(Date.now() - 10 * day), registration_closes_at: new Date(Date.now() + 10 * day) })
      .returning('id');
    const [session] = await db('offering_sessions').insert({ offering_id: offering.id, starts_at: new Date(Date.now() + 20 * day), ends_at: new Date(Date.now() + 20 * day + 7 * 3600 * 1000), location: 'Saal 1' }).returning('id');
    await db('session_trainers').insert({ session_id: session.id, user_id: trainer.id });
    await db('enrollments').insert({ offering_id: offering.id, user_id: participant.id, status: 'confirmed' });

    const source = path.join(workDir, 'source.mp4');
    const sourceSha = await writeSourceFile(source);

    const proxy = { 'x-forwarded-proto': 'https' };
    const trainerCookie = await bench.login('referentin@bench.example', PASSWORD);
    const participantCookie = await bench.login('teilnehmerin@bench.example', PASSWORD);
    const fields = { target: `session:${session.id}`, title: 'Aufzeichnung Workshop', description: '', visibility: 'enrolled' };
    const target = path.join(workDir, 'download.mp4');
    // Warm-up: the page cache holds the source for every contender alike.
    await diskCopy(source, path.join(workDir, 'warm.mp4'));
    fs.rmSync(path.join(workDir, 'warm.mp4'));

    // The machine is shared: each round measures the disk copy next to the upload and the
    // download, and the report gives the median of the rounds (memory: the worst round).
    const rounds: Round[] = [];
    let lastMaterial = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const copy = await timed(() => diskCopy(source, path.join(workDir, 'copy.mp4')));
      fs.rmSync(path.join(workDir, 'copy.mp4'));

      const formPage = await fetch(`${bench.baseUrl}/offerings/${offering.id}/materials/new`, { headers: { cookie: trainerCookie, ...proxy } });
      const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(await formPage.text())?.[1]?.replace(/&amp;/g, '&');
      if (!action) throw new Error(`no upload form (${formPage.status})`);
      const uploadMemory = rssSampler();
      const upload = await timed(() => multipartUpload(`${bench.baseUrl}${action}`, { cookie: trainerCookie, ...proxy }, fields, { path: source, name: 'Aufzeichnung Workshop – Übung.mp4' }));
      const uploadRss = uploadMemory.stop();
      if (upload.result.status !== 303) throw new Error(`upload answered ${upload.result.status}`);
      const version = await db('material_versions').orderBy('id', 'desc').first();
      if (version.sha256 !== sourceSha || Number(version.size_bytes) !== FILE_BYTES) throw new Error('stored file differs from the source');
      lastMaterial = version.material_id;

      const downloadMemory = rssSampler();
      const download = await timed(() => streamDownload(`${bench.baseUrl}/materials/${lastMaterial}/download`, { cookie: participantCookie, ...proxy }, target));
      const downloadRss = downloadMemory.stop();
      if (download.result.status !== 200 || download.result.bytes !== FILE_BYTES || !download.result.headers.includes(`"${sourceSha}"`)) {
        throw new Error(`download: ${download.result.status}, ${download.result.bytes} bytes`);
      }
      fs.rmSync(target);
      rounds.push({ copyMs: copy.ms, uploadMs: upload.ms, downloadMs: download.ms, uploadRss: uploadRss.delta, downloadRss: downloadRss.delta, rssBefore: uploadRss.before });
    }

    // Seeking in the video: one 1 MB range from the middle.
    const seek = await timed(() => streamDownload(`${bench.baseUrl}/materials/${lastMaterial}/download`, { cookie: participantCookie, ...proxy, range: `bytes=${FILE_BYTES / 2}-${FILE_BYTES / 2 + MB - 1}` }, target));
    if (seek.result.status !== 206 || seek.result.bytes !== MB) throw new Error(`range: ${seek.result.status}, ${seek.result.bytes} bytes`);

    const copyMs = median(rounds.map((r) => r.copyMs));
    const uploadMs = median(rounds.map((r) => r.uploadMs));
    const downloadMs = median(rounds.map((r) => r.downloadMs));
    const uploadRss = Math.max(...rounds.map((r) => r.uploadRss));
    const downloadRss = Math.max(...rounds.map((r) => r.downloadRss));
    console.log(`materials: upload and download of a ${FILE_MB} MB file through the app, ${ROUNDS} rounds (server in this process, curl as the client; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores):`);
    console.log(`  baseline: stream copy on the same disk (flushed)  median ${copyMs.toFixed(0)} ms  ${throughput(copyMs)}`);
    console.log(`  upload (multipart → disk, SHA-256, type check)    median ${uploadMs.toFixed(0)} ms  ${throughput(uploadMs)}  = ${median(rounds.map((r) => r.uploadMs / r.copyMs)).toFixed(2)}× the disk copy (median of per-round ratios)`);
    console.log(`  download (disk → HTTP → disk)                     median ${downloadMs.toFixed(0)} ms  ${throughput(downloadMs)}  = ${median(rounds.map((r) => r.downloadMs / r.copyMs)).toFixed(2)}× the disk copy (median of per-round ratios)`);
    console.log(`  server RSS before ${megabytes(rounds[0]!.rssBefore)}; growth during upload at most ${megabytes(uploadRss)}, during download at most ${megabytes(downloadRss)} (budget 50 MB)`);
    console.log(`  per round (copy / upload / download ms): ${rounds.map((r) => `${r.copyMs.toFixed(0)} / ${r.uploadMs.toFixed(0)} / ${r.downloadMs.toFixed(0)}`).join(';  ')}`);
    console.log(`  range request, 1 MB from the middle               ${seek.ms.toFixed(1)} ms`);
    if (uploadRss > 50 * MB || downloadRss > 50 * MB) console.log('  OVER BUDGET: resident memory grew by more than 50 MB');
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
    await bench.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
