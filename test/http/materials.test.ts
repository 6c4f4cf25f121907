import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { useTestApp, type TestContext } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { countQueries } from '../support/database';
import { createUser } from '../support/factories';
import { binaryParser, loginAs, textOf, type Agent } from '../support/http';

/* Small real files, built here: what file-type sees is what a trainer's file would start with. */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
const PNG = Buffer.concat([
  Buffer.from('89504e470d0a1a0a', 'hex'),
  Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'),
  Buffer.from('0000000d4944415478da63f8ffff3f0005fe02fe0def46b8', 'hex'),
  Buffer.from('0000000049454e44ae426082', 'hex'),
]);
/** An MP4 `ftyp` box (brand mp42) followed by bytes that stand for the movie. */
const MP4 = Buffer.concat([Buffer.from('00000018667479706d703432000000006d70343269736f6d', 'hex'), Buffer.from(Array.from({ length: 4000 }, (_, index) => index % 251))]);
const HTML = Buffer.from('<!DOCTYPE html><html><body><script>alert("gehackt")</script></body></html>\n');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n');

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

function newUploadDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kokoma-materials-'));
}

/** Every file under the upload directory (random keys, fan-out folders), relative to it. */
function storedFiles(uploadDir: string): string[] {
  const root = path.join(uploadDir, 'materials');
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

const unescapeHtml = (value: string) => value.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=').replace(/&#61;/g, '=').replace(/&quot;/g, '"');

/** The action of the (first) multipart form on a page: where a browser would send the file. */
function multipartActionIn(html: string): string {
  const match = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(html);
  if (!match?.[1]) throw new Error('no upload form on the page');
  return unescapeHtml(match[1]);
}

type Upload = { content: Buffer; name: string; contentType?: string };

/** Like a browser: opens the form page, then posts the multipart form to its action. */
async function uploadThroughForm(agent: Agent, formPath: string, fields: Record<string, string>, file?: Upload) {
  const form = await agent.get(formPath);
  if (form.status !== 200) throw new Error(`form page ${formPath}: ${form.status}`);
  let post = agent.post(multipartActionIn(form.text));
  for (const [name, value] of Object.entries(fields)) post = post.field(name, value);
  if (file) post = post.attach('file', file.content, { filename: file.name, contentType: file.contentType ?? 'application/octet-stream' });
  else post = post.field('file', '');
  return post;
}

const errorSummaryOf = (html: string) => textOf(/<div class="kern-alert kern-alert--danger app-error-summary"[\s\S]*?<\/ul>/.exec(html)?.[0] ?? '');

async function download(agent: Agent | request.Agent, url: string, headers: Record<string, string> = {}) {
  let get = agent.get(url);
  for (const [name, value] of Object.entries(headers)) get = get.set(name, value);
  return get.buffer(true).parse(binaryParser);
}

/**
 * The five-module series with two cohorts: the trainer teaches module 1 in the first
 * cohort; participants are enrolled in one cohort each; others are not enrolled.
 */
async function seriesWithTwoCohorts(ctx: TestContext) {
  const programme = await createProgramme(ctx.db, { kind: 'series', modules: 2 });
  const module1 = programme.modules[0]!;
  const module2 = programme.modules[1]!;
  const trainer = await createUser(ctx.db, { role: 'trainer', firstName: 'Jana', lastName: 'Feldkamp' });
  const otherTrainer = await createUser(ctx.db, { role: 'trainer', firstName: 'Tobias', lastName: 'Wendt' });
  const coordinator = await createUser(ctx.db, { role: 'coordinator', firstName: 'Katrin', lastName: 'Mühlberg' });
  const admin = await createUser(ctx.db, { role: 'admin' });
  const cohort1 = await createOffering(ctx.db, { programmeId: programme.id, title: 'Durchgang 2026', sessions: 2, moduleIds: [module1.id, module2.id] });
  await ctx.db('session_trainers').insert({ session_id: cohort1.sessionIds[0]!, user_id: trainer.id });
  await ctx.db('session_trainers').insert({ session_id: cohort1.sessionIds[1]!, user_id: otherTrainer.id });
  const cohort2 = await createOffering(ctx.db, { programmeId: programme.id, title: 'Durchgang 2027', sessions: 1, moduleIds: [module1.id], startsInDays: 200 });
  const participant = await createUser(ctx.db, { firstName: 'Lena', lastName: 'Schäfer' });
  const laterParticipant = await createUser(ctx.db, { firstName: 'Murat', lastName: 'Yılmaz' });
  const waitlisted = await createUser(ctx.db, { firstName: 'Ines', lastName: 'Brückner' });
  const stranger = await createUser(ctx.db, { firstName: 'Uwe', lastName: 'Grünewald' });
  await ctx.db('enrollments').insert([
    { offering_id: cohort1.id, user_id: participant.id, status: 'confirmed' },
    { offering_id: cohort2.id, user_id: laterParticipant.id, status: 'confirmed' },
    { offering_id: cohort1.id, user_id: waitlisted.id, status: 'waitlisted' },
  ]);
  return { programme, module1, module2, trainer, otherTrainer, coordinator, admin, cohort1, cohort2, participant, laterParticipant, waitlisted, stranger };
}

type Series = Awaited<ReturnType<typeof seriesWithTwoCohorts>>;

/** A material uploaded by the first cohort's module-1 trainer through the form. */
async function uploadAsTrainer(ctx: TestContext, series: Series, options: { target?: string; title?: string; visibility?: string; file?: Upload; description?: string } = {}) {
  const agent = await loginAs(ctx.app, series.trainer);
  const response = await uploadThroughForm(
    agent,
    `/offerings/${series.cohort1.id}/materials/new`,
    { target: options.target ?? `module:${series.module1.id}`, title: options.title ?? 'Folien Eskalationsstufen', description: options.description ?? '', visibility: options.visibility ?? 'enrolled' },
    options.file ?? { content: PDF, name: 'Folien.pdf', contentType: 'application/pdf' },
  );
  if (response.status !== 303) throw new Error(`upload failed: ${response.status} ${errorSummaryOf(response.text)}`);
  const material = await ctx.db('materials').orderBy('id', 'desc').first();
  return { agent, materialId: material.id as number };
}

/** Materials written straight into the tables (a long list without a long upload loop), uploaded in the given order a minute apart. */
async function insertMaterials(ctx: TestContext, uploader: number, items: { title: string; moduleId?: number; sessionId?: number }[], firstMinute = 0) {
  const start = Date.parse('2026-09-01T08:00:00Z') + firstMinute * 60_000;
  for (const [index, item] of items.entries()) {
    const createdAt = new Date(start + index * 60_000);
    const [row] = await ctx.db('materials')
      .insert({ module_id: item.moduleId ?? null, session_id: item.sessionId ?? null, title: item.title, visibility: 'enrolled', created_by: uploader, created_at: createdAt })
      .returning('id');
    await ctx.db('material_versions').insert({
      material_id: (row as { id: number }).id, version: 1, storage_key: randomBytes(16).toString('hex'), original_name: `${item.title}.pdf`, size_bytes: PDF.length,
      sha256: sha256(PDF), content_type: 'application/pdf', file_kind: 'pdf', uploaded_by: uploader, uploaded_at: createdAt,
    });
  }
}

/** The titles of the materials a page lists, top to bottom. */
const listedTitles = (html: string) => [...html.matchAll(/<span class="kern-body kern-body--bold">([^<]+)<\/span>/g)].map((match) => match[1]);

describe('course materials', () => {
  const uploadDir = newUploadDir();
  const ctx = useTestApp({ UPLOAD_DIR: uploadDir });

  beforeEach(() => {
    fs.rmSync(path.join(uploadDir, 'materials'), { recursive: true, force: true });
  });
  afterAll(() => fs.rmSync(uploadDir, { recursive: true, force: true }));

  describe('uploading', () => {
    it('stores a trainer’s PDF under a random key with name, size, SHA-256, type, uploader and time, and records it', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const agent = await loginAs(ctx.app, series.trainer);
      const response = await uploadThroughForm(
        agent,
        `/offerings/${series.cohort1.id}/materials/new`,
        { target: `module:${series.module1.id}`, title: 'Folien Eskalationsstufen', description: 'Die Folien vom ersten Tag', visibility: 'enrolled' },
        // The client's claim is ignored: the content decides.
        { content: PDF, name: 'Folien Eskalationsstufen.pdf', contentType: 'text/html' },
      );
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe(`/offerings/${series.cohort1.id}/materials`);
      const list = await agent.get(response.headers.location!);
      expect(textOf(list.text)).toContain('Die Unterlage „Folien Eskalationsstufen“ wurde hochgeladen.');

      const material = await ctx.db('materials').first();
      expect(material).toMatchObject({ module_id: series.module1.id, session_id: null, title: 'Folien Eskalationsstufen', description: 'Die Folien vom ersten Tag', visibility: 'enrolled', created_by: series.trainer.id, deleted_at: null });
      const version = await ctx.db('material_versions').where('material_id', material.id).first();
      expect(version).toMatchObject({ version: 1, original_name: 'Folien Eskalationsstufen.pdf', sha256: sha256(PDF), content_type: 'application/pdf', file_kind: 'pdf', uploaded_by: series.trainer.id });
      expect(Number(version.size_bytes)).toBe(PDF.length);
      expect(Math.abs(new Date(version.uploaded_at).getTime() - Date.now())).toBeLessThan(60_000);

      const files = storedFiles(uploadDir);
      expect(files).toEqual([path.join(version.storage_key.slice(0, 2), version.storage_key)]);
      expect(version.storage_key).toMatch(/^[0-9a-f]{32}$/);
      expect(fs.readFileSync(path.join(uploadDir, 'materials', files[0]!))).toEqual(PDF);

      const audit = await ctx.db('audit_events').where({ action: 'material.created', subject_id: String(material.id) });
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor_user_id: series.trainer.id, after: expect.objectContaining({ fileName: 'Folien Eskalationsstufen.pdf', sha256: sha256(PDF) }) });
    });

    it('offers a trainer only the modules and sessions they teach, and refuses others', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const agent = await loginAs(ctx.app, series.trainer);
      const form = await agent.get(`/offerings/${series.cohort1.id}/materials/new`);
      expect(form.text).toContain(`value="module:${series.module1.id}"`);
      expect(form.text).toContain(`value="session:${series.cohort1.sessionIds[0]}"`);
      expect(form.text).not.toContain(`value="module:${series.module2.id}"`);
      expect(form.text).not.toContain(`value="session:${series.cohort1.sessionIds[1]}"`);

      const response = await uploadThroughForm(agent, `/offerings/${series.cohort1.id}/materials/new`, { target: `module:${series.module2.id}`, title: 'Fremdes Modul', visibility: 'enrolled' }, { content: PDF, name: 'Fremd.pdf' });
      expect(response.status).toBe(422);
      expect(errorSummaryOf(response.text)).toContain('Für dieses Modul oder diesen Termin dürfen Sie keine Unterlagen hochladen.');
      expect(await ctx.db('materials')).toHaveLength(0);
      expect(storedFiles(uploadDir)).toEqual([]);
    });

    it('lets a coordinator upload to any module or session', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const agent = await loginAs(ctx.app, series.coordinator);
      const response = await uploadThroughForm(
        agent,
        `/offerings/${series.cohort1.id}/materials/new`,
        { target: `session:${series.cohort1.sessionIds[1]}`, title: 'Arbeitsblatt Moderation', visibility: 'enrolled' },
        { content: PNG, name: 'Arbeitsblatt.png', contentType: 'image/png' },
      );
      expect(response.status).toBe(303);
      expect(await ctx.db('materials').first()).toMatchObject({ session_id: series.cohort1.sessionIds[1], module_id: null });
    });

    it('does not let participants, other trainers or anonymous visitors open the form or send a file', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const other = await createUser(ctx.db, { role: 'trainer' });
      for (const person of [series.participant, other]) {
        const agent = await loginAs(ctx.app, person);
        expect((await agent.get(`/offerings/${series.cohort1.id}/materials/new`)).status).toBe(403);
      }
      const anonymous = await request(ctx.app).get(`/offerings/${series.cohort1.id}/materials/new`);
      expect(anonymous.status).toBe(302);
      expect(anonymous.headers.location).toBe(`/login?next=${encodeURIComponent(`/offerings/${series.cohort1.id}/materials/new`)}`);

      // The trainer of module 2 may put material on module 2 (through any cohort), not on module 1.
      const otherAgent = await loginAs(ctx.app, series.otherTrainer);
      const cohort2Form = await otherAgent.get(`/offerings/${series.cohort2.id}/materials/new`);
      expect(cohort2Form.status).toBe(200);
      expect(cohort2Form.text).toContain(`value="module:${series.module2.id}"`);
      expect(cohort2Form.text).not.toContain(`value="module:${series.module1.id}"`);
      const cohort1Form = await otherAgent.get(`/offerings/${series.cohort1.id}/materials/new`);
      const sneaky = await otherAgent
        .post(multipartActionIn(cohort1Form.text))
        .field('target', `module:${series.module1.id}`)
        .field('title', 'Untergeschoben')
        .field('visibility', 'public')
        .attach('file', PDF, 'Untergeschoben.pdf');
      expect(sneaky.status).toBe(422);
      expect(await ctx.db('materials')).toHaveLength(0);
      expect(storedFiles(uploadDir)).toEqual([]);
    });

    it('refuses a multipart post without the CSRF token in the address', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const agent = await loginAs(ctx.app, series.trainer);
      const response = await agent.post(`/offerings/${series.cohort1.id}/materials`).field('target', `module:${series.module1.id}`).field('title', 'Ohne Token').field('visibility', 'enrolled').attach('file', PDF, 'Folien.pdf');
      expect(response.status).toBe(403);
      expect(await ctx.db('materials')).toHaveLength(0);
      expect(storedFiles(uploadDir)).toEqual([]);
    });

    it.each([
      ['an HTML page renamed to .pdf', { content: HTML, name: 'Folien.pdf', contentType: 'application/pdf' }, 'Dieser Dateityp ist nicht erlaubt.'],
      ['an SVG image (active content)', { content: SVG, name: 'Grafik.svg', contentType: 'image/svg+xml' }, 'Dieser Dateityp ist nicht erlaubt.'],
      ['an HTML page', { content: HTML, name: 'Seite.html', contentType: 'text/html' }, 'Dieser Dateityp ist nicht erlaubt.'],
      ['a PNG named .pdf', { content: PNG, name: 'Folien.pdf', contentType: 'application/pdf' }, 'Der Inhalt der Datei passt nicht zu ihrer Dateiendung.'],
      ['a PDF named .mp4', { content: PDF, name: 'Aufzeichnung.mp4', contentType: 'video/mp4' }, 'Der Inhalt der Datei passt nicht zu ihrer Dateiendung.'],
      ['an empty file', { content: Buffer.alloc(0), name: 'Leer.pdf', contentType: 'application/pdf' }, 'Die Datei ist leer.'],
    ])('rejects %s with a German message, keeps the input and stores nothing', async (_label, file, message) => {
      const series = await seriesWithTwoCohorts(ctx);
      const agent = await loginAs(ctx.app, series.trainer);
      const response = await uploadThroughForm(
        agent,
        `/offerings/${series.cohort1.id}/materials/new`,
        { target: `session:${series.cohort1.sessionIds[0]}`, title: 'Meine Unterlage', description: 'Bitte vorher lesen', visibility: 'public' },
        file,
      );
      expect(response.status).toBe(422);
      expect(errorSummaryOf(response.text)).toContain(message);
      expect(response.text).toContain('aria-invalid="true" aria-describedby="field-file-hint field-file-error"');
      // What the trainer typed and chose is still there.
      expect(response.text).toContain('value="Meine Unterlage"');
      expect(response.text).toContain('>Bitte vorher lesen</textarea>');
      expect(response.text).toMatch(new RegExp(`value="session:${series.cohort1.sessionIds[0]}"[^>]*selected`));
      expect(response.text).toMatch(/value="public" checked/);
      expect(await ctx.db('materials')).toHaveLength(0);
      expect(await ctx.db('material_versions')).toHaveLength(0);
      expect(storedFiles(uploadDir)).toEqual([]);
    });

    it('asks for a file when none was chosen, and for a title', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const agent = await loginAs(ctx.app, series.trainer);
      const noFile = await uploadThroughForm(agent, `/offerings/${series.cohort1.id}/materials/new`, { target: `module:${series.module1.id}`, title: 'Ohne Datei', visibility: 'enrolled' });
      expect(noFile.status).toBe(422);
      expect(errorSummaryOf(noFile.text)).toContain('Bitte wählen Sie eine Datei aus.');
      const noTitle = await uploadThroughForm(agent, `/offerings/${series.cohort1.id}/materials/new`, { target: `module:${series.module1.id}`, title: ' ', visibility: 'enrolled' }, { content: PDF, name: 'Folien.pdf' });
      expect(noTitle.status).toBe(422);
      expect(noTitle.text).toContain('id="field-title-error"');
      expect(await ctx.db('materials')).toHaveLength(0);
      expect(storedFiles(uploadDir)).toEqual([]);
    });

    it('accepts Office, OpenDocument-like ZIP, MP4 video and PNG by their content', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const zip = Buffer.from('504b0506000000000000000000000000000000000000', 'hex');
      for (const [file, contentType, kind] of [
        [{ content: MP4, name: 'Aufzeichnung Modul 1.mp4' }, 'video/mp4', 'video'],
        [{ content: PNG, name: 'Tafelbild.png' }, 'image/png', 'image'],
        [{ content: zip, name: 'Arbeitsblätter.zip' }, 'application/zip', 'archive'],
      ] as const) {
        await uploadAsTrainer(ctx, series, { file, title: file.name });
        expect(await ctx.db('material_versions').orderBy('id', 'desc').first()).toMatchObject({ content_type: contentType, file_kind: kind, original_name: file.name });
      }
    });
  });

  describe('the participants’ list', () => {
    it('groups by module and session, with type, size, date and a mark on what is new since the last visit', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      await uploadAsTrainer(ctx, series, { title: 'Folien Grundlagen' });
      await uploadAsTrainer(ctx, series, { title: 'Aufzeichnung Tag 1', target: `session:${series.cohort1.sessionIds[0]}`, file: { content: MP4, name: 'Aufzeichnung.mp4' } });
      const agent = await loginAs(ctx.app, series.participant);

      const first = await agent.get(`/offerings/${series.cohort1.id}/materials`);
      expect(first.status).toBe(200);
      const text = textOf(first.text);
      expect(text).toContain('Modul 1: Modul 1');
      expect(text).not.toContain('Modul 2: Modul 2'); // no materials there: no empty group
      expect(text).toMatch(/Folien Grundlagen neu \(neu seit Ihrem letzten Besuch\) für alle Durchgänge PDF-Dokument, PDF \d+ B \d\d\.\d\d\.\d{4}/);
      expect(text).toMatch(/Aufzeichnung Tag 1 neu \(neu seit Ihrem letzten Besuch\) zum Termin am \d\d\.\d\d\.\d{4} Video, MP4 3,\d KB/);

      const second = await agent.get(`/offerings/${series.cohort1.id}/materials`);
      expect(textOf(second.text)).not.toContain('neu seit Ihrem letzten Besuch');

      await uploadAsTrainer(ctx, series, { title: 'Handout Eskalation' });
      const third = textOf((await agent.get(`/offerings/${series.cohort1.id}/materials`)).text);
      expect(third).toContain('Handout Eskalation neu (neu seit Ihrem letzten Besuch)');
      expect(third).toContain('Folien Grundlagen für alle Durchgänge');
      expect(third.match(/neu seit Ihrem letzten Besuch/g)).toHaveLength(1);
    });

    it('shows module materials to every cohort of the series, session materials only to that cohort', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      await uploadAsTrainer(ctx, series, { title: 'Folien für alle Durchgänge' });
      const { materialId: sessionMaterial } = await uploadAsTrainer(ctx, series, { title: 'Fotoprotokoll Durchgang 2026', target: `session:${series.cohort1.sessionIds[0]}`, file: { content: PNG, name: 'Fotoprotokoll.png' } });
      const later = await loginAs(ctx.app, series.laterParticipant);
      const text = textOf((await later.get(`/offerings/${series.cohort2.id}/materials`)).text);
      expect(text).toContain('Folien für alle Durchgänge');
      expect(text).not.toContain('Fotoprotokoll');
      expect((await download(later, `/materials/${sessionMaterial}/download`)).status).toBe(403);
    });

    it('shows people without a confirmed seat only public materials, and hides trainer-only ones from participants', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      await uploadAsTrainer(ctx, series, { title: 'Handout für Teilnehmende' });
      await uploadAsTrainer(ctx, series, { title: 'Ablaufplan für Referent:innen', visibility: 'trainers' });
      await uploadAsTrainer(ctx, series, { title: 'Flyer zur Reihe', visibility: 'public' });

      const asParticipant = textOf((await (await loginAs(ctx.app, series.participant)).get(`/offerings/${series.cohort1.id}/materials`)).text);
      expect(asParticipant).toContain('Handout für Teilnehmende');
      expect(asParticipant).toContain('Flyer zur Reihe');
      expect(asParticipant).not.toContain('Ablaufplan');

      for (const person of [series.waitlisted, series.stranger]) {
        const text = textOf((await (await loginAs(ctx.app, person)).get(`/offerings/${series.cohort1.id}/materials`)).text);
        expect(text).toContain('Flyer zur Reihe');
        expect(text).not.toContain('Handout für Teilnehmende');
        expect(text).toContain('sobald Ihre Anmeldung bestätigt ist');
      }
      const anonymous = textOf((await request(ctx.app).get(`/offerings/${series.cohort1.id}/materials`)).text);
      expect(anonymous).toContain('Flyer zur Reihe');
      expect(anonymous).not.toContain('Handout für Teilnehmende');
      expect(anonymous).toContain('Bitte melden Sie sich an');

      const asOtherTrainer = textOf((await (await loginAs(ctx.app, series.otherTrainer)).get(`/offerings/${series.cohort1.id}/materials`)).text);
      expect(asOtherTrainer).toContain('Ablaufplan für Referent:innen neu (neu seit Ihrem letzten Besuch) nur Referent:innen');
    });
  });

  describe('a long list', () => {
    it('pages by 25 in the order of its groups, with the same statements for a short and a long list', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const participant = await loginAs(ctx.app, series.participant);
      const url = `/offerings/${series.cohort1.id}/materials`;
      // Uploaded in an order unlike the page's: module 2 first, then the session of module 1, then module 1 itself.
      const module2 = Array.from({ length: 30 }, (_, index) => ({ title: `Modul 2 Blatt ${String(index + 1).padStart(2, '0')}`, moduleId: series.module2.id }));
      const session = Array.from({ length: 10 }, (_, index) => ({ title: `Termin 1 Foto ${String(index + 1).padStart(2, '0')}`, sessionId: series.cohort1.sessionIds[0]! }));
      const module1 = Array.from({ length: 5 }, (_, index) => ({ title: `Modul 1 Folie ${index + 1}`, moduleId: series.module1.id }));
      await insertMaterials(ctx, series.trainer.id, module2.slice(0, 2));
      await participant.get(url); // the session's first request after login saves it once
      const short = await countQueries(ctx.db, () => participant.get(url));
      await insertMaterials(ctx, series.trainer.id, [...module2.slice(2), ...session, ...module1], 2);

      let firstPage = '';
      const long = await countQueries(ctx.db, async () => {
        firstPage = (await participant.get(url)).text;
      });
      expect(long).toBe(short);
      expect(long).toBeLessThanOrEqual(6);

      // Module 1: its own materials, then its session's; then module 2.
      const expected = [...module1, ...session, ...module2].map((item) => item.title);
      expect(listedTitles(firstPage)).toEqual(expected.slice(0, 25));
      expect(textOf(firstPage)).toContain('Seite 1 von 2');
      const nextUrl = decodeURIComponent(/<a class="kern-link" rel="next" href="([^"]+)">/.exec(firstPage)?.[1] ?? '');
      expect(nextUrl).toBe(`${url}?page=2`);
      const second = (await participant.get(nextUrl)).text;
      expect(listedTitles(second)).toEqual(expected.slice(25));
      expect(textOf(second)).toContain('Modul 2: Modul 2'); // a group continued from the page before keeps its heading
      // A page past the end shows the last one.
      expect(listedTitles((await participant.get(`${url}?page=9`)).text)).toEqual(expected.slice(25));

      // Staff see the same pages with their manage links.
      const trainerPage = (await (await loginAs(ctx.app, series.trainer)).get(`${url}?page=1`)).text;
      expect(listedTitles(trainerPage)).toEqual(expected.slice(0, 25));
      expect(trainerPage).toContain('>Verwalten<');
    });
  });

  describe('who may download', () => {
    async function threeMaterials() {
      const series = await seriesWithTwoCohorts(ctx);
      const enrolled = (await uploadAsTrainer(ctx, series, { title: 'Handout' })).materialId;
      const trainersOnly = (await uploadAsTrainer(ctx, series, { title: 'Ablaufplan', visibility: 'trainers' })).materialId;
      const open = (await uploadAsTrainer(ctx, series, { title: 'Flyer', visibility: 'public' })).materialId;
      return { series, enrolled, trainersOnly, open };
    }

    it.each([
      ['the enrolled participant', (s: Series) => s.participant, { enrolled: 200, trainersOnly: 404, open: 200 }],
      ['a participant of another cohort (module material)', (s: Series) => s.laterParticipant, { enrolled: 200, trainersOnly: 404, open: 200 }],
      ['a waitlisted participant', (s: Series) => s.waitlisted, { enrolled: 403, trainersOnly: 404, open: 200 }],
      ['a participant without enrollment', (s: Series) => s.stranger, { enrolled: 403, trainersOnly: 404, open: 200 }],
      ['the trainer of the module', (s: Series) => s.trainer, { enrolled: 200, trainersOnly: 200, open: 200 }],
      ['a trainer of the same offering', (s: Series) => s.otherTrainer, { enrolled: 200, trainersOnly: 200, open: 200 }],
      ['the coordinator', (s: Series) => s.coordinator, { enrolled: 200, trainersOnly: 200, open: 200 }],
      ['an administrator', (s: Series) => s.admin, { enrolled: 200, trainersOnly: 200, open: 200 }],
    ])('%s', async (_label, who, expected) => {
      const { series, enrolled, trainersOnly, open } = await threeMaterials();
      const agent = await loginAs(ctx.app, who(series));
      const results = {
        enrolled: await download(agent, `/materials/${enrolled}/download`),
        trainersOnly: await download(agent, `/materials/${trainersOnly}/download`),
        open: await download(agent, `/materials/${open}/download`),
      };
      expect({ enrolled: results.enrolled.status, trainersOnly: results.trainersOnly.status, open: results.open.status }).toEqual(expected);
      for (const response of Object.values(results)) {
        if (response.status === 200) expect(response.body).toEqual(PDF);
        else expect(Buffer.from(response.body as Buffer).includes(PDF.subarray(0, 8))).toBe(false);
      }
      if (expected.enrolled === 403) expect(textOf(results.enrolled.body.toString())).toContain('nur Teilnehmenden mit bestätigter Anmeldung');
    });

    it('an unrelated trainer is refused participants’ material and does not learn of trainer-only material', async () => {
      const { enrolled, trainersOnly } = await threeMaterials();
      const unrelated = await loginAs(ctx.app, await createUser(ctx.db, { role: 'trainer' }));
      expect((await download(unrelated, `/materials/${enrolled}/download`)).status).toBe(403);
      expect((await download(unrelated, `/materials/${trainersOnly}/download`)).status).toBe(404);
    });

    it('sends anonymous visitors to the login for participants’ material and back to it afterwards; public material without login', async () => {
      const { enrolled, trainersOnly, open } = await threeMaterials();
      const anonymous = await download(request(ctx.app), `/materials/${enrolled}/download`);
      expect(anonymous.status).toBe(302);
      expect(anonymous.headers.location).toBe(`/login?next=${encodeURIComponent(`/materials/${enrolled}/download`)}`);
      expect((await download(request(ctx.app), `/materials/${trainersOnly}/download`)).status).toBe(404);
      const flyer = await download(request(ctx.app), `/materials/${open}/download`);
      expect(flyer.status).toBe(200);
      expect(flyer.body).toEqual(PDF);
    });

    it('hides the materials of a draft offering from participants', async () => {
      const programme = await createProgramme(ctx.db);
      const trainer = await createUser(ctx.db, { role: 'trainer' });
      const draft = await createOffering(ctx.db, { programmeId: programme.id, status: 'draft', trainerIds: [trainer.id] });
      const agent = await loginAs(ctx.app, trainer);
      const upload = await uploadThroughForm(agent, `/offerings/${draft.id}/materials/new`, { target: `session:${draft.sessionIds[0]}`, title: 'Entwurf', visibility: 'public' }, { content: PDF, name: 'Entwurf.pdf' });
      expect(upload.status).toBe(303);
      const material = await ctx.db('materials').first();
      expect((await request(ctx.app).get(`/offerings/${draft.id}/materials`)).status).toBe(404);
      expect((await download(request(ctx.app), `/materials/${material.id}/download`)).status).toBe(404);
      expect((await download(agent, `/materials/${material.id}/download`)).status).toBe(200);
    });

    it('answers 404 for a material that does not exist', async () => {
      const { series } = await threeMaterials();
      const agent = await loginAs(ctx.app, series.coordinator);
      expect((await download(agent, '/materials/999999/download')).status).toBe(404);
    });
  });

  describe('downloading', () => {
    it('streams with the detected type, length, nosniff, an ETag and a file name that keeps umlauts', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const name = 'Übungsblatt Konfliktgespräch – Größenordnung.pdf';
      const { materialId } = await uploadAsTrainer(ctx, series, { file: { content: PDF, name, contentType: 'application/octet-stream' } });
      const agent = await loginAs(ctx.app, series.participant);
      const response = await download(agent, `/materials/${materialId}/download`);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/pdf');
      expect(response.headers['content-length']).toBe(String(PDF.length));
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['accept-ranges']).toBe('bytes');
      expect(response.headers.etag).toBe(`"${sha256(PDF)}"`);
      expect(new Date(response.headers['last-modified']!).getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect(response.headers['content-disposition']).toBe(
        `attachment; filename="Uebungsblatt Konfliktgespraech _ Groessenordnung.pdf"; filename*=UTF-8''${encodeURIComponent(name)}`,
      );
      expect(response.body).toEqual(PDF);
      expect((await ctx.db('material_versions').first()).original_name).toBe(name);
    });

    it('keeps an umlaut name that a Mac sends decomposed as the same (composed) name', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const { materialId } = await uploadAsTrainer(ctx, series, { file: { content: PDF, name: 'Übung.pdf'.normalize('NFD') } });
      const response = await download(await loginAs(ctx.app, series.participant), `/materials/${materialId}/download`);
      expect(response.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('Übung.pdf')}`);
    });

    it('answers a conditional GET with 304 and no body', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const { materialId } = await uploadAsTrainer(ctx, series);
      const agent = await loginAs(ctx.app, series.participant);
      const first = await download(agent, `/materials/${materialId}/download`);
      const byEtag = await download(agent, `/materials/${materialId}/download`, { 'If-None-Match': first.headers.etag! });
      expect(byEtag.status).toBe(304);
      expect(byEtag.body.length).toBe(0);
      const byDate = await download(agent, `/materials/${materialId}/download`, { 'If-Modified-Since': first.headers['last-modified']! });
      expect(byDate.status).toBe(304);
      const changed = await download(agent, `/materials/${materialId}/download`, { 'If-None-Match': '"something-else"' });
      expect(changed.status).toBe(200);
      expect(changed.body).toEqual(PDF);
    });

    it('serves byte ranges so a video can seek (206), and 416 past the end', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const { materialId } = await uploadAsTrainer(ctx, series, { file: { content: MP4, name: 'Aufzeichnung.mp4' } });
      const agent = await loginAs(ctx.app, series.participant);
      const url = `/materials/${materialId}/download?view=1`;

      const middle = await download(agent, url, { Range: 'bytes=100-1099' });
      expect(middle.status).toBe(206);
      expect(middle.headers['content-range']).toBe(`bytes 100-1099/${MP4.length}`);
      expect(middle.headers['content-length']).toBe('1000');
      expect(middle.headers['content-type']).toBe('video/mp4');
      expect(middle.headers['content-disposition']).toMatch(/^inline; /);
      expect(middle.body).toEqual(MP4.subarray(100, 1100));

      const openEnded = await download(agent, url, { Range: `bytes=${MP4.length - 10}-` });
      expect(openEnded.status).toBe(206);
      expect(openEnded.body).toEqual(MP4.subarray(MP4.length - 10));

      const suffix = await download(agent, url, { Range: 'bytes=-24' });
      expect(suffix.status).toBe(206);
      expect(suffix.headers['content-range']).toBe(`bytes ${MP4.length - 24}-${MP4.length - 1}/${MP4.length}`);
      expect(suffix.body).toEqual(MP4.subarray(MP4.length - 24));

      const beyond = await download(agent, url, { Range: `bytes=${MP4.length}-` });
      expect(beyond.status).toBe(416);
      expect(beyond.headers['content-range']).toBe(`bytes */${MP4.length}`);
      expect(beyond.body.length).toBe(0);

      // The file changed since the client got its first part: the whole (new) file.
      const stale = await download(agent, url, { Range: 'bytes=0-9', 'If-Range': '"an-older-version"' });
      expect(stale.status).toBe(200);
      expect(stale.body).toEqual(MP4);
      const current = await download(agent, url, { Range: 'bytes=0-9', 'If-Range': `"${sha256(MP4)}"` });
      expect(current.status).toBe(206);
      expect(current.body).toEqual(MP4.subarray(0, 10));
    });

    it('shows PDFs, images and videos inline only when asked, and never a type the browser would run', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const { materialId: pdf } = await uploadAsTrainer(ctx, series, { title: 'PDF' });
      const zip = Buffer.from('504b0506000000000000000000000000000000000000', 'hex');
      const { materialId: archive } = await uploadAsTrainer(ctx, series, { title: 'ZIP', file: { content: zip, name: 'Paket.zip', contentType: 'text/html' } });
      const agent = await loginAs(ctx.app, series.participant);
      expect((await download(agent, `/materials/${pdf}/download`)).headers['content-disposition']).toMatch(/^attachment; /);
      expect((await download(agent, `/materials/${pdf}/download?view=1`)).headers['content-disposition']).toMatch(/^inline; /);
      const zipResponse = await download(agent, `/materials/${archive}/download?view=1`);
      expect(zipResponse.headers['content-disposition']).toMatch(/^attachment; /);
      expect(zipResponse.headers['content-type']).toBe('application/zip');
      const list = await agent.get(`/offerings/${series.cohort1.id}/materials`);
      expect(list.text).toContain(`href="/materials/${pdf}/download?view=1"`);
      expect(list.text).not.toContain(`href="/materials/${archive}/download?view=1"`);
    });
  });

  describe('versions and deleting', () => {
    it('a new file becomes the current one; coordinators can still open earlier versions, nobody else', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const { agent: trainer, materialId } = await uploadAsTrainer(ctx, series, { title: 'Folien' });
      const second = Buffer.concat([PDF, Buffer.from('% überarbeitet\n')]);
      const replaced = await uploadThroughForm(trainer, `/offerings/${series.cohort1.id}/materials/${materialId}`, {}, { content: second, name: 'Folien überarbeitet.pdf' });
      expect(replaced.status).toBe(303);
      const page = await trainer.get(replaced.headers.location!);
      expect(textOf(page.text)).toContain('Die neue Fassung 2 wurde hochgeladen.');
      expect(textOf(page.text)).not.toContain('Alle Fassungen'); // the version list is for coordinators

      const participant = await loginAs(ctx.app, series.participant);
      const current = await download(participant, `/materials/${materialId}/download`);
      expect(current.body).toEqual(second);
      expect(current.headers['content-disposition']).toContain(encodeURIComponent('Folien überarbeitet.pdf'));
      expect((await download(participant, `/materials/${materialId}/versions/1/download`)).status).toBe(403);
      expect((await download(trainer, `/materials/${materialId}/versions/1/download`)).status).toBe(403);
      // The current version under its number is the same as the plain download.
      expect((await download(participant, `/materials/${materialId}/versions/2/download`)).body).toEqual(second);

      const coordinator = await loginAs(ctx.app, series.coordinator);
      const managePage = await coordinator.get(`/offerings/${series.cohort1.id}/materials/${materialId}`);
      const text = textOf(managePage.text);
      expect(text).toContain('Alle Fassungen');
      expect(text).toMatch(/2 aktuell Folien überarbeitet\.pdf/);
      expect(text).toContain('Folien.pdf');
      const first = await download(coordinator, `/materials/${materialId}/versions/1/download`);
      expect(first.status).toBe(200);
      expect(first.body).toEqual(PDF);
      expect((await download(coordinator, `/materials/${materialId}/versions/3/download`)).status).toBe(404);
      expect(storedFiles(uploadDir)).toHaveLength(2);
      expect(await ctx.db('audit_events').where('action', 'material.version_added')).toHaveLength(1);
    });

    it('refuses a replacement of another type than allowed and keeps the current file', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const { agent, materialId } = await uploadAsTrainer(ctx, series);
      const response = await uploadThroughForm(agent, `/offerings/${series.cohort1.id}/materials/${materialId}`, {}, { content: HTML, name: 'Folien.pdf' });
      expect(response.status).toBe(422);
      expect(errorSummaryOf(response.text)).toContain('Dieser Dateityp ist nicht erlaubt.');
      expect(await ctx.db('material_versions')).toHaveLength(1);
      expect(storedFiles(uploadDir)).toHaveLength(1);
    });

    it('only the material’s trainers and coordinators manage it', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const { materialId } = await uploadAsTrainer(ctx, series);
      const path = `/offerings/${series.cohort1.id}/materials/${materialId}`;
      expect((await (await loginAs(ctx.app, series.otherTrainer)).get(path)).status).toBe(403);
      expect((await (await loginAs(ctx.app, series.participant)).get(path)).status).toBe(403);
      expect((await (await loginAs(ctx.app, series.coordinator)).get(path)).status).toBe(200);
      // Reached through an offering it is not shown in: not found.
      const unrelated = await createOffering(ctx.db);
      expect((await (await loginAs(ctx.app, series.coordinator)).get(`/offerings/${unrelated.id}/materials/${materialId}`)).status).toBe(404);
    });

    it('deleting hides the material from everyone, keeps its files and rows, and is in the audit trail', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const { agent, materialId } = await uploadAsTrainer(ctx, series, { title: 'Veraltete Folien' });
      const managePage = await agent.get(`/offerings/${series.cohort1.id}/materials/${materialId}`);
      const token = /name="_csrf" value="([^"]+)"/.exec(managePage.text)![1]!;
      const deleted = await agent.post(`/offerings/${series.cohort1.id}/materials/${materialId}/delete`).type('form').send({ _csrf: token });
      expect(deleted.status).toBe(303);
      const list = textOf((await agent.get(deleted.headers.location!)).text);
      expect(list).toContain('Die Unterlage „Veraltete Folien“ wurde gelöscht.');
      expect(list).toContain('Für dieses Angebot gibt es noch keine Unterlagen.');

      const participant = await loginAs(ctx.app, series.participant);
      expect(textOf((await participant.get(`/offerings/${series.cohort1.id}/materials`)).text)).not.toContain('Veraltete Folien');
      expect((await download(participant, `/materials/${materialId}/download`)).status).toBe(404);
      expect((await download(await loginAs(ctx.app, series.coordinator), `/materials/${materialId}/download`)).status).toBe(404);

      expect(await ctx.db('materials').where('id', materialId).first()).toMatchObject({ deleted_by: series.trainer.id, deleted_at: expect.any(Date) });
      expect(await ctx.db('material_versions').where('material_id', materialId)).toHaveLength(1);
      expect(storedFiles(uploadDir)).toHaveLength(1);
      const audit = await ctx.db('audit_events').where('action', 'material.deleted');
      expect(audit).toEqual([expect.objectContaining({ actor_user_id: series.trainer.id, subject_type: 'material', subject_id: String(materialId), before: expect.objectContaining({ title: 'Veraltete Folien' }) })]);
      // Deleting again: it is gone.
      expect((await agent.post(`/offerings/${series.cohort1.id}/materials/${materialId}/delete`).type('form').send({ _csrf: token })).status).toBe(404);
    });

    it('a participant cannot delete', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const { materialId } = await uploadAsTrainer(ctx, series);
      const participant = await loginAs(ctx.app, series.participant);
      const page = await participant.get('/account');
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
      const response = await participant.post(`/offerings/${series.cohort1.id}/materials/${materialId}/delete`).type('form').send({ _csrf: token });
      expect(response.status).toBe(403);
      expect((await ctx.db('materials').where('id', materialId).first()).deleted_at).toBeNull();
    });
  });

  describe('an upload cut off mid-way', () => {
    it('leaves neither a file nor a row', async () => {
      const series = await seriesWithTwoCohorts(ctx);
      const server = ctx.app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      try {
        const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const agent = request.agent(origin);
        const login = await agent.get('/login');
        const token = /name="_csrf" value="([^"]+)"/.exec(login.text)![1]!;
        expect((await agent.post('/login').type('form').send({ email: series.trainer.email, password: series.trainer.password, _csrf: token })).status).toBe(303);
        const form = await agent.get(`/offerings/${series.cohort1.id}/materials/new`);
        const action = multipartActionIn(form.text);
        const cookie = (agent as unknown as { jar: { getCookies(access: unknown): { toValueString(): string }[] } }).jar
          .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
          .map((entry) => entry.toValueString())
          .join('; ');

        const boundary = '----kokoma-abort-test';
        const head = Buffer.from(
          [
            `--${boundary}\r\nContent-Disposition: form-data; name="target"\r\n\r\nmodule:${series.module1.id}\r\n`,
            `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nAufzeichnung\r\n`,
            `--${boundary}\r\nContent-Disposition: form-data; name="visibility"\r\n\r\nenrolled\r\n`,
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="Aufzeichnung.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
          ].join(''),
        );
        const declaredLength = head.length + 20 * 1024 * 1024;
        const upload = http.request(`${origin}${action}`, { method: 'POST', headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': declaredLength } });
        const outcome = new Promise<string>((resolve) => {
          upload.on('error', (error) => resolve(`error ${(error as NodeJS.ErrnoException).code}`));
          upload.on('response', (response) => resolve(`response ${response.statusCode}`));
        });
        upload.write(head);
        upload.write(MP4);
        upload.write(Buffer.alloc(512 * 1024, 7));
        // Wait until the server is writing the file to disk, then pull the plug.
        await waitFor(() => storedFiles(uploadDir).some((file) => file.endsWith('.partial')), 'the partial file to appear');
        upload.destroy();
        expect(await outcome).toMatch(/^error /);

        await waitFor(() => storedFiles(uploadDir).length === 0, 'the partial file to be removed');
        expect(await ctx.db('materials')).toHaveLength(0);
        expect(await ctx.db('material_versions')).toHaveLength(0);
        // The app is fine afterwards: the same trainer uploads normally.
        await uploadAsTrainer(ctx, series);
        expect(storedFiles(uploadDir)).toHaveLength(1);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});

describe('course materials with a 1 MB upload limit', () => {
  const uploadDir = newUploadDir();
  const ctx = useTestApp({ UPLOAD_DIR: uploadDir, MAX_UPLOAD_MB: '1' });
  afterAll(() => fs.rmSync(uploadDir, { recursive: true, force: true }));

  it('refuses a larger file with the limit in the message, keeps the input and stores nothing', async () => {
    const series = await seriesWithTwoCohorts(ctx);
    const agent = await loginAs(ctx.app, series.trainer);
    const form = await agent.get(`/offerings/${series.cohort1.id}/materials/new`);
    expect(textOf(form.text)).toContain('höchstens 1 MB');
    const big = Buffer.concat([MP4, Buffer.alloc(1024 * 1024, 1)]);
    const response = await uploadThroughForm(agent, `/offerings/${series.cohort1.id}/materials/new`, { target: `module:${series.module1.id}`, title: 'Lange Aufzeichnung', visibility: 'enrolled' }, { content: big, name: 'Aufzeichnung.mp4' });
    expect(response.status).toBe(422);
    expect(errorSummaryOf(response.text)).toContain('Die Datei ist zu groß. Erlaubt sind höchstens 1 MB.');
    expect(response.text).toContain('value="Lange Aufzeichnung"');
    expect(await ctx.db('materials')).toHaveLength(0);
    expect(storedFiles(uploadDir)).toEqual([]);
  });

  it('accepts a file of exactly the limit', async () => {
    const series = await seriesWithTwoCohorts(ctx);
    const exact = Buffer.concat([MP4, Buffer.alloc(1024 * 1024 - MP4.length, 1)]);
    const { materialId } = await uploadAsTrainer(ctx, series, { file: { content: exact, name: 'Aufzeichnung.mp4' } });
    const response = await download(await loginAs(ctx.app, series.participant), `/materials/${materialId}/download`);
    expect(response.status).toBe(200);
    expect(response.body.length).toBe(1024 * 1024);
    expect(sha256(response.body)).toBe(sha256(exact));
  });
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
