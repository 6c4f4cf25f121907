import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { binaryParser, csrfTokenIn, loginAs, textOf, type Agent } from '../support/http';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');

describe('role and active state are read fresh on every request', () => {
  const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kokoma-fresh-'));
  const ctx = useTestApp({ UPLOAD_DIR: uploadDir });
  afterAll(() => fs.rmSync(uploadDir, { recursive: true, force: true }));

  /** A trainer teaching the first module of a series cohort, with a trainers-only material uploaded through the form. */
  async function trainerWithTrainersOnlyMaterial() {
    const programme = await createProgramme(ctx.db, { kind: 'series', modules: 1 });
    const trainer = await createUser(ctx.db, { role: 'trainer', firstName: 'Jana', lastName: 'Feldkamp' });
    const offering = await createOffering(ctx.db, { programmeId: programme.id, moduleIds: [programme.modules[0]!.id], trainerIds: [trainer.id] });
    const agent = await loginAs(ctx.app, trainer);
    const form = await agent.get(`/offerings/${offering.id}/materials/new`);
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(form.text)![1]!.replace(/&amp;/g, '&');
    const uploaded = await agent
      .post(action)
      .field('target', `module:${programme.modules[0]!.id}`)
      .field('title', 'Leitfaden für Referierende')
      .field('description', '')
      .field('visibility', 'trainers')
      .attach('file', PDF, { filename: 'Leitfaden.pdf', contentType: 'application/pdf' });
    expect(uploaded.status).toBe(303);
    const material = await ctx.db('materials').where('title', 'Leitfaden für Referierende').first();
    return { trainer, agent, offering, materialId: material.id as number };
  }

  async function asAdmin(): Promise<Agent> {
    return loginAs(ctx.app, await createUser(ctx.db, { role: 'admin' }));
  }

  async function adminPost(admin: Agent, userId: number, action: string, fields: Record<string, string> = {}) {
    const page = await admin.get(`/admin/users/${userId}`);
    return admin.post(`/admin/users/${userId}/${action}`).type('form').send({ ...fields, _csrf: csrfTokenIn(page.text) });
  }

  const download = (agent: Agent, materialId: number) => agent.get(`/materials/${materialId}/download`).buffer(true).parse(binaryParser);

  it('a trainer demoted to participant loses trainers-only materials in the same logged-in session', async () => {
    const { trainer, agent, offering, materialId } = await trainerWithTrainersOnlyMaterial();
    const before = await download(agent, materialId);
    expect(before.status).toBe(200);
    expect(Buffer.compare(before.body as Buffer, PDF)).toBe(0);
    expect(textOf((await agent.get(`/offerings/${offering.id}/materials`)).text)).toContain('Leitfaden für Referierende');

    const admin = await asAdmin();
    expect((await adminPost(admin, trainer.id, 'role', { role: 'participant' })).status).toBe(303);

    // Still assigned to the session (the record of who taught), but no longer a trainer.
    expect(await ctx.db('session_trainers').where('user_id', trainer.id)).toHaveLength(1);
    expect((await download(agent, materialId)).status).toBe(404);
    expect(textOf((await agent.get(`/offerings/${offering.id}/materials`)).text)).not.toContain('Leitfaden für Referierende');
    expect((await agent.get(`/offerings/${offering.id}/materials/new`)).status).toBe(403);

    // Promoted again, the assignment counts again.
    expect((await adminPost(admin, trainer.id, 'role', { role: 'trainer' })).status).toBe(303);
    expect((await download(agent, materialId)).status).toBe(200);
  });

  it('a deactivated account’s open session is logged out on its next request', async () => {
    const { trainer, agent, materialId } = await trainerWithTrainersOnlyMaterial();
    expect((await download(agent, materialId)).status).toBe(200);

    expect((await adminPost(await asAdmin(), trainer.id, 'deactivate')).status).toBe(303);

    const page = await agent.get('/my/progress');
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe('/login?next=%2Fmy%2Fprogress');
    // Anonymous now: trainers-only material does not exist for them.
    expect((await download(agent, materialId)).status).toBe(404);
    expect(textOf((await agent.get('/')).text)).not.toContain('Jana Feldkamp');
  });
});
