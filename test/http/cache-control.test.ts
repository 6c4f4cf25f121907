import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { binaryParser, loginAs, newAgent, type Agent } from '../support/http';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');

describe('Cache-Control: nothing personal is kept by browsers or proxies', () => {
  const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kokoma-cache-'));
  const ctx = useTestApp({ UPLOAD_DIR: uploadDir });
  afterAll(() => fs.rmSync(uploadDir, { recursive: true, force: true }));

  /** A published workshop with one enrolled participant and a material uploaded by its trainer. */
  async function offeringWithMaterial(visibility: 'enrolled' | 'public') {
    const programme = await createProgramme(ctx.db);
    const trainer = await createUser(ctx.db, { role: 'trainer' });
    const offering = await createOffering(ctx.db, { programmeId: programme.id, trainerIds: [trainer.id] });
    const participant = await createUser(ctx.db);
    await ctx.db('enrollments').insert({ offering_id: offering.id, user_id: participant.id, status: 'confirmed' });
    const trainerAgent = await loginAs(ctx.app, trainer);
    const form = await trainerAgent.get(`/offerings/${offering.id}/materials/new`);
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(form.text)![1]!.replace(/&amp;/g, '&');
    const uploaded = await trainerAgent
      .post(action)
      .field('target', `session:${offering.sessionIds[0]}`)
      .field('title', 'Handout')
      .field('description', '')
      .field('visibility', visibility)
      .attach('file', PDF, { filename: 'Handout.pdf', contentType: 'application/pdf' });
    expect(uploaded.status).toBe(303);
    const material = await ctx.db('materials').orderBy('id', 'desc').first();
    return { offering, participant, materialId: material.id as number };
  }

  const download = (agent: Agent, url: string, headers: Record<string, string> = {}) => agent.get(url).set(headers).buffer(true).parse(binaryParser);

  it('marks pages for a logged-in person no-store', async () => {
    const agent = await loginAs(ctx.app, await createUser(ctx.db));
    for (const url of ['/my/progress', '/account', '/']) {
      const response = await agent.get(url);
      expect(response.status).toBe(200);
      expect({ url, cacheControl: response.headers['cache-control'] }).toEqual({ url, cacheControl: 'no-store' });
    }
  });

  it('marks the attendance CSV and XLSX exports no-store', async () => {
    const { offering } = await offeringWithMaterial('enrolled');
    const coordinator = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
    for (const extension of ['csv', 'xlsx']) {
      const response = await download(coordinator, `/manage/offerings/${offering.id}/attendance.${extension}`);
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
    }
  });

  it('marks material downloads no-store and still answers conditional and range requests', async () => {
    const { participant, materialId } = await offeringWithMaterial('enrolled');
    const agent = await loginAs(ctx.app, participant);
    const whole = await download(agent, `/materials/${materialId}/download`);
    expect(whole.status).toBe(200);
    expect(whole.headers['cache-control']).toBe('no-store');
    const etag = whole.headers.etag!;
    expect(etag).toBeDefined();

    const notModified = await download(agent, `/materials/${materialId}/download`, { 'If-None-Match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.headers['cache-control']).toBe('no-store');

    const part = await download(agent, `/materials/${materialId}/download`, { Range: 'bytes=0-7', 'If-Range': etag });
    expect(part.status).toBe(206);
    expect((part.body as Buffer).toString('latin1')).toBe('%PDF-1.4');
    expect(part.headers['cache-control']).toBe('no-store');
  });

  it('marks a public material downloaded without login no-store too: every download is', async () => {
    const { materialId } = await offeringWithMaterial('public');
    const response = await download(newAgent(ctx.app), `/materials/${materialId}/download`);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('leaves anonymous pages and static files as they were', async () => {
    await offeringWithMaterial('enrolled');
    const anonymous = newAgent(ctx.app);
    for (const url of ['/', '/offerings', '/verify', '/login']) {
      const response = await anonymous.get(url);
      expect(response.status).toBe(200);
      expect({ url, cacheControl: response.headers['cache-control'] }).toEqual({ url, cacheControl: undefined });
    }
    const file = await anonymous.get('/static/favicon.svg');
    expect(file.status).toBe(200);
    expect(file.headers['cache-control']).toBe('public, max-age=0');

    // Static files keep their caching for a logged-in person as well.
    const loggedIn = await loginAs(ctx.app, await createUser(ctx.db));
    expect((await loggedIn.get('/static/favicon.svg')).headers['cache-control']).toBe('public, max-age=0');
  });
});
