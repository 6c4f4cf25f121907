import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { hashPassword } from '../src/accounts/passwords';
import { renderCertificate, type CertificateSnapshot } from '../src/certificates/certificate.pdf';
import { freePort, loginAt, ms, renderBarePdfPage, startBenchApp, timeRepeatedly, type BenchApp } from './lib/harness';

const BULK = 500;
const ISSUED_OVER_HTTP = BULK;
const PASSWORD = 'Bench-Passwort-2026';
const MB = 1024 * 1024;

/**
 * One certificate's rendering against a bare pdfkit page with the same TTF font (the
 * baseline, measured in the same run); "issue all" through the app for a 500-person
 * offering (issue 11: ≤ 25 ms per certificate including storage and audit); and the 500
 * stored certificates streamed as one PDF and as a ZIP by a server in a process of its own,
 * its resident memory sampled while they stream (issue 11: ≤ 2 s, RSS ≤ 200 MB).
 */
async function main(): Promise<void> {
  const bench = await startBenchApp();
  try {
    const { db } = bench;
    const passwordHash = await hashPassword(PASSWORD);
    const [organisation] = await db('organisations').insert({ name: 'Stadt Benchhausen', kind: 'municipality' }).returning('id');
    await db('users').insert({ email: 'koordination@bench.example', first_name: 'Katrin', last_name: 'Mühlberg', role: 'coordinator', password_hash: passwordHash, organisation_id: organisation.id, email_verified_at: new Date() });
    const [programme] = await db('programmes').insert({ kind: 'series', title: 'Kommunales Konfliktmanagement – Theorie und Praxis', certificate_kind: 'certificate' }).returning('id');
    const titles = [
      'Konflikte verstehen – Grundlagen, Dynamik und Eskalationsstufen',
      'Systemische Konfliktanalyse in der Kommune',
      'Kommunikation und Gesprächsführung in angespannten Situationen',
      'Moderation, Beteiligung und Mediation im Verwaltungsalltag',
      'Praxistransfer – eigene Konfliktfälle bearbeiten',
    ];
    const moduleIds: number[] = [];
    for (const [index, title] of titles.entries()) moduleIds.push((await db('modules').insert({ programme_id: programme.id, position: index + 1, title, teaching_units: 8 }).returning('id'))[0].id);
    const day = 24 * 60 * 60 * 1000;
    const [offering] = await db('offerings')
      .insert({ programme_id: programme.id, title: 'Durchgang Bench', capacity: 1000, status: 'published', location: 'Landratsamt Musterkreis', registration_opens_at: new Date(Date.now() - 200 * day), registration_closes_at: new Date(Date.now() - 150 * day) })
      .returning('id');
    const sessionIds: number[] = [];
    for (const [index, moduleId] of moduleIds.entries()) {
      const startsAt = new Date(Date.now() - (140 - index * 21) * day);
      sessionIds.push((await db('offering_sessions').insert({ offering_id: offering.id, module_id: moduleId, starts_at: startsAt, ends_at: new Date(startsAt.getTime() + 7 * 3600 * 1000), location: 'Saal 1' }).returning('id'))[0].id);
    }
    const people = await db('users')
      .insert(Array.from({ length: ISSUED_OVER_HTTP }, (_, index) => ({ email: `person${index}@bench.example`, first_name: 'Jörg', last_name: `Müller-Yılmaz ${index}`, role: 'participant', password_hash: passwordHash, organisation_id: organisation.id, email_verified_at: new Date() })))
      .returning('id');
    await db('enrollments').insert(people.map((person: { id: number }) => ({ offering_id: offering.id, user_id: person.id, status: 'confirmed' })));
    await db('attendance_records').insert(sessionIds.flatMap((sessionId) => people.map((person: { id: number }) => ({ session_id: sessionId, user_id: person.id, status: 'present', source: 'roll_call' }))));

    // A small cookie jar: the session, and the form token's cookie a page sets next to its form.
    const jar = new Map<string, string>();
    const keep = (cookies: string[]) => cookies.map((cookie) => cookie.split(';')[0]!).forEach((pair) => jar.set(pair.split('=')[0]!, pair));
    keep([await bench.login('koordination@bench.example', PASSWORD)]);
    const request = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${bench.baseUrl}${path}`, { ...init, redirect: 'manual', headers: { cookie: [...jar.values()].join('; '), ...(init.headers ?? {}) } });
      keep(response.headers.getSetCookie());
      const body = Buffer.from(await response.arrayBuffer());
      if (response.status >= 400) throw new Error(`${path}: ${response.status}`);
      return body;
    };

    // 1. One certificate, rendered in process, against a bare page with the same font.
    const snapshot = sampleSnapshot(bench.config.baseUrl);
    await renderCertificate(snapshot, { images: () => undefined });
    await renderBarePdfPage();
    const bare = await timeRepeatedly(30, () => renderBarePdfPage());
    const one = await timeRepeatedly(30, () => renderCertificate(snapshot, { images: () => undefined }));

    // 2. Issuing through the app: "issue all" for every person of the offering (completion, serials, render, store, audit).
    const page = (await request(`/manage/offerings/${offering.id}/certificates`)).toString('utf8');
    const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const issueStart = process.hrtime.bigint();
    await request(`/manage/offerings/${offering.id}/certificates`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ all: 'yes', _csrf: token }).toString() });
    const issueMs = Number(process.hrtime.bigint() - issueStart) / 1e6;
    const issued = Number((await db('certificates').count('* as count').first())?.count ?? 0);
    const auditEntries = Number((await db('audit_events').where('action', 'certificates.issued').count('* as count').first())?.count ?? 0);

    // 3. 500 valid certificates in the offering (copies of real ones with their own serials), streamed out.
    const template = await db('certificates').select('user_id', 'programme_id', 'offering_id', 'kind', 'snapshot', 'pdf', 'pdf_sha256').first();
    const rows = Array.from({ length: BULK - issued }, (_, index) => {
      const number = issued + index + 1;
      const code = createHash('sha256').update(String(number)).digest('hex').slice(0, 20).toUpperCase().replace(/[ILOU]/g, 'X');
      const serial = `KKM-2026-${String(number).padStart(5, '0')}`;
      return { ...template, user_id: people[index % people.length].id, serial, serial_year: 2026, serial_number: number, verification_code: code, subject_key: `bench:${number}`, snapshot: JSON.stringify({ ...template.snapshot, serial, verificationCode: code, name: `Person ${number} Weißbach` }) };
    });
    for (let start = 0; start < rows.length; start += 50) await db('certificates').insert(rows.slice(start, start + 50));

    // Each stream from a server alone in a fresh process, so its memory is that download's, not this script's or the other's.
    const streamFromFreshServer = async (path: string): Promise<StreamRun> => {
      const server = await startServerProcess(bench);
      const idle = server.rss();
      try {
        const serverCookie = await loginAt(server.baseUrl, 'koordination@bench.example', PASSWORD);
        const stream = async (target: string): Promise<StreamRun> => {
          const before = server.rss();
          let peak = before;
          const sampler = setInterval(() => (peak = Math.max(peak, server.rss())), 10);
          const start = process.hrtime.bigint();
          const response = await fetch(`${server.baseUrl}${target}`, { headers: { cookie: serverCookie } });
          let bytes = 0;
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
          const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
          clearInterval(sampler);
          return { elapsed, bytes, before, peak: Math.max(peak, server.rss()) };
        };
        // Warm up: templates, fonts and the connection pool of the fresh process (the coordinator's page is where printing starts).
        await stream(`/manage/offerings/${offering.id}/certificates`);
        return { ...(await stream(path)), idle };
      } finally {
        server.stop();
      }
    };
    const bulkPdf = await streamFromFreshServer(`/manage/offerings/${offering.id}/certificates.pdf`);
    const bulkZip = await streamFromFreshServer(`/manage/offerings/${offering.id}/certificates.zip`);

    console.log('one certificate (A4, embedded TTF subset, vector QR code, tagged PDF):');
    console.log(`  baseline bare pdfkit page, same TTF font  mean ${ms(bare.mean)}  p95 ${ms(bare.p95)}`);
    console.log(`  certificate                               mean ${ms(one.mean)}  p95 ${ms(one.p95)}  = ${(one.mean / bare.mean).toFixed(1)}× the bare page`);
    console.log(`issuing through the app ("issue all", ${ISSUED_OVER_HTTP}-person offering): ${issued} certificates in ${ms(issueMs)} = ${ms(issueMs / issued)} each = ${(issueMs / issued / bare.mean).toFixed(2)}× a bare page each (target ≤ 25 ms), ${auditEntries} audit entries`);
    for (const [label, run] of [[`${BULK} certificates as one PDF`, bulkPdf], [`${BULK} certificates as ZIP`, bulkZip]] as const) {
      console.log(`${label}: ${(run.bytes / MB).toFixed(1)} MB in ${(run.elapsed / 1000).toFixed(2)} s to the last byte (target ≤ 2 s) = ${(run.elapsed / BULK).toFixed(1)} ms per certificate = ${(run.elapsed / BULK / bare.mean).toFixed(2)}× a bare page each`);
      console.log(`  server process RSS right after start ${((run.idle ?? 0) / MB).toFixed(0)} MB (tsx in the process), before the download ${(run.before / MB).toFixed(0)} MB, peak ${(run.peak / MB).toFixed(0)} MB (+${((run.peak - run.before) / MB).toFixed(0)} MB; target ≤ 200 MB)`);
    }
  } finally {
    await bench.close();
  }
}

type StreamRun = { elapsed: number; bytes: number; before: number; peak: number; idle?: number };

/** bench/lib/serve.ts on the bench database, on a port of its own; its RSS read from /proc. */
async function startServerProcess(bench: BenchApp) {
  const port = await freePort();
  // The same heap limit as `npm start`: V8 then collects garbage before the process grows past it.
  const child = spawn(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', path.join(__dirname, 'lib', 'serve.ts')], {
    env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: bench.databaseUrl, PORT: String(port), BASE_URL: `http://127.0.0.1:${port}`, SESSION_SECRET: 'bench-only-secret-bench-only-secret-0123', LOG_LEVEL: 'silent', DEMO_SEED: 'false' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (data: Buffer) => data.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
  const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  return { baseUrl: `http://127.0.0.1:${port}`, rss, stop: () => child.kill() };
}

function sampleSnapshot(baseUrl: string): CertificateSnapshot {
  const code = 'ABCDEFGHJKMNPQRSTVWX';
  return {
    version: 1,
    kind: 'certificate',
    serial: 'KKM-2026-00042',
    verificationCode: code,
    verificationUrl: `${baseUrl}/verify/${code}`,
    issuedAt: new Date().toISOString(),
    name: 'Murat Yılmaz-Weißbach',
    programmeTitle: 'Kommunales Konfliktmanagement – Theorie und Praxis',
    offeringTitle: 'Durchgang 2026',
    place: 'Landratsamt Musterkreis',
    periodFrom: '2026-02-02T08:00:00.000Z',
    periodTo: '2026-06-01T08:00:00.000Z',
    modules: [1, 2, 3, 4, 5].map((position) => ({ position, title: `Modul ${position}: Konflikte verstehen – Grundlagen`, dates: ['2026-03-02T08:00:00.000Z'], teachingUnits: 8 })),
    totalUnits: 40,
    sessions: [],
    durationMinutes: 0,
    template: { title: 'Zertifikat', body: 'hat die Qualifizierungsreihe erfolgreich abgeschlossen.', fundingLine: 'Gefördert im Rahmen des Bundesprogramms „Demokratie leben!“', signatories: [{ name: 'Dr. Anna Beispiel', function: 'Landrätin', signatureImageId: null }], logoImageIds: [] },
    regionName: 'Landkreis Musterland',
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
