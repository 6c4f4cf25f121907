import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { useBrowserApp } from '../support/browser';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createUser } from '../support/factories';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
const MP4 = Buffer.concat([Buffer.from('00000018667479706d703432000000006d70343269736f6d', 'hex'), Buffer.from(Array.from({ length: 20_000 }, (_, index) => index % 251))]);
const HTML = Buffer.from('<!DOCTYPE html><html><body><script>alert("x")</script></body></html>\n');

describe('course materials in the browser', () => {
  const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kokoma-materials-e2e-'));
  const b = useBrowserApp({ UPLOAD_DIR: uploadDir });
  afterAll(() => fs.rmSync(uploadDir, { recursive: true, force: true }));


  async function cohortWithTrainer() {
    const programme = await createProgramme(b.db, { kind: 'series', modules: 2 });
    const trainer = await createUser(b.db, { role: 'trainer', firstName: 'Jana', lastName: 'Feldkamp' });
    const offering = await createOffering(b.db, { programmeId: programme.id, title: 'Durchgang 2026', sessions: 2, moduleIds: programme.modules.map((module) => module.id), trainerIds: [trainer.id] });
    const participant = await createUser(b.db, { firstName: 'Lena', lastName: 'Schäfer' });
    await b.db('enrollments').insert({ offering_id: offering.id, user_id: participant.id, status: 'confirmed' });
    return { programme, trainer, offering, participant };
  }

  async function openUploadForm(page: Page, offeringId: number): Promise<void> {
    await b.visit(`/offerings/${offeringId}`, page);
    await b.follow(() => page.getByRole('link', { name: 'Kursunterlagen zu diesem Angebot' }).click(), page);
    await b.follow(() => page.getByRole('link', { name: 'Unterlage hochladen' }).click(), page);
  }

  async function fillAndUpload(page: Page, fields: { target: string; title: string; description?: string; file: { name: string; mimeType: string; buffer: Buffer } }): Promise<void> {
    await page.getByLabel('Gehört zu').selectOption({ label: fields.target });
    await page.getByLabel('Titel').fill(fields.title);
    if (fields.description) await page.getByLabel('Beschreibung').fill(fields.description);
    await page.getByLabel('Datei').setInputFiles(fields.file);
    await b.follow(() => page.getByRole('button', { name: 'Hochladen', exact: true }).click(), page);
  }

  it('a trainer uploads a PDF and a video; an enrolled participant sees them as new and downloads them', async () => {
    const { trainer, offering, participant } = await cohortWithTrainer();
    await b.logIn(b.page, trainer);
    await openUploadForm(b.page, offering.id);

    // A web page disguised as a PDF is refused, with what was typed kept.
    await fillAndUpload(b.page, { target: 'Modul 1: Modul 1 (alle Durchgänge)', title: 'Folien Eskalationsstufen', file: { name: 'Folien.pdf', mimeType: 'application/pdf', buffer: HTML } });
    await expect(b.page.getByRole('alert').innerText()).resolves.toContain('Dieser Dateityp ist nicht erlaubt.');
    await expect(b.page.getByLabel('Titel').inputValue()).resolves.toBe('Folien Eskalationsstufen');
    // The error summary takes the focus (screen readers read it first).
    await expect(b.page.evaluate('document.activeElement?.classList.contains("app-error-summary")')).resolves.toBe(true);

    await fillAndUpload(b.page, {
      target: 'Modul 1: Modul 1 (alle Durchgänge)',
      title: 'Folien Eskalationsstufen',
      description: 'Die Folien vom ersten Tag',
      file: { name: 'Folien Eskalationsstufen – Übersicht.pdf', mimeType: 'application/pdf', buffer: PDF },
    });
    await expect(b.page.getByRole('status').first().innerText()).resolves.toContain('Die Unterlage „Folien Eskalationsstufen“ wurde hochgeladen.');

    await b.follow(() => b.page.getByRole('link', { name: 'Unterlage hochladen' }).click());
    const sessionOption = await b.page.getByLabel('Gehört zu').locator('option', { hasText: /^Termin am .* – Modul 1: Modul 1$/ }).innerText();
    await fillAndUpload(b.page, { target: sessionOption, title: 'Aufzeichnung Tag 1', file: { name: 'Aufzeichnung Tag 1.mp4', mimeType: 'video/mp4', buffer: MP4 } });
    await expect(b.page.getByRole('main').innerText()).resolves.toContain('Aufzeichnung Tag 1');
    await b.screenshot('materials-trainer-list');

    const page = await b.newPage();
    await b.logIn(page, participant);
    await b.follow(() => page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Meine Termine' }).click(), page);
    await b.follow(() => page.getByRole('link', { name: /^Kursunterlagen/ }).click(), page);
    const group = page.getByRole('region', { name: 'Modul 1: Modul 1' });
    const rows = group.getByRole('row');
    await expect(rows.count()).resolves.toBe(3); // header and the two materials
    const pdfRow = group.getByRole('row', { name: /Folien Eskalationsstufen/ });
    await expect(pdfRow.innerText()).resolves.toMatch(/neu[\s\S]*PDF-Dokument, PDF[\s\S]*\d+ B[\s\S]*\d\d\.\d\d\.\d{4}/);
    const videoRow = group.getByRole('row', { name: /Aufzeichnung Tag 1/ });
    await expect(videoRow.innerText()).resolves.toMatch(/neu[\s\S]*zum Termin am[\s\S]*Video, MP4[\s\S]*19,6 KB/);
    await b.screenshot('materials-participant-list', page);

    const pdfDownload = page.waitForEvent('download');
    await pdfRow.getByRole('link', { name: /^Herunterladen/ }).click();
    const pdf = await pdfDownload;
    expect(pdf.suggestedFilename()).toBe('Folien Eskalationsstufen – Übersicht.pdf');
    expect(fs.readFileSync(await pdf.path())).toEqual(PDF);

    const videoDownload = page.waitForEvent('download');
    await videoRow.getByRole('link', { name: /^Herunterladen/ }).click();
    const video = await videoDownload;
    expect(video.suggestedFilename()).toBe('Aufzeichnung Tag 1.mp4');
    expect(fs.readFileSync(await video.path())).toEqual(MP4);

    // A video player seeks with range requests in the participant's session.
    const viewUrl = await videoRow.getByRole('link', { name: /^Ansehen/ }).getAttribute('href');
    const seek = await page.evaluate(async (url) => {
      const response = await fetch(url, { headers: { Range: 'bytes=10000-10099' } });
      return { status: response.status, length: (await response.arrayBuffer()).byteLength, type: response.headers.get('content-type') };
    }, viewUrl!);
    expect(seek).toEqual({ status: 206, length: 100, type: 'video/mp4' });

    // Back on the list later: nothing is new any more.
    await b.visit(`/offerings/${offering.id}/materials`, page);
    await expect(page.getByRole('main').innerText()).resolves.not.toContain('neu seit Ihrem letzten Besuch');
  });

  it('a coordinator replaces a file, opens the earlier version and deletes the material', async () => {
    const { trainer, offering, participant } = await cohortWithTrainer();
    const coordinator = await createUser(b.db, { role: 'coordinator', firstName: 'Katrin', lastName: 'Mühlberg' });
    await b.logIn(b.page, trainer);
    await openUploadForm(b.page, offering.id);
    await fillAndUpload(b.page, { target: 'Modul 2: Modul 2 (alle Durchgänge)', title: 'Handout Moderation', file: { name: 'Handout.pdf', mimeType: 'application/pdf', buffer: PDF } });

    const page = await b.newPage();
    await b.logIn(page, coordinator);
    await b.visit(`/offerings/${offering.id}/materials`, page);
    await b.follow(() => page.getByRole('link', { name: /^Verwalten/ }).click(), page);
    const second = Buffer.concat([PDF, Buffer.from('% zweite Fassung\n')]);
    await page.getByLabel('Datei').setInputFiles({ name: 'Handout überarbeitet.pdf', mimeType: 'application/pdf', buffer: second });
    await b.follow(() => page.getByRole('button', { name: 'Neue Fassung hochladen' }).click(), page);
    await expect(page.getByRole('status').first().innerText()).resolves.toContain('Die neue Fassung 2 wurde hochgeladen.');
    const versions = page.getByRole('table', { name: 'Alle Fassungen dieser Unterlage, die neueste zuerst' });
    await expect(versions.getByRole('row').count()).resolves.toBe(3);
    const earlier = page.waitForEvent('download');
    await versions.getByRole('link', { name: 'Handout.pdf' }).click();
    expect(fs.readFileSync(await (await earlier).path())).toEqual(PDF);

    await b.follow(() => page.getByRole('button', { name: 'Unterlage löschen' }).click(), page);
    await expect(page.getByRole('status').first().innerText()).resolves.toContain('Die Unterlage „Handout Moderation“ wurde gelöscht.');

    const participantPage = await b.newPage();
    await b.logIn(participantPage, participant);
    await b.visit(`/offerings/${offering.id}/materials`, participantPage);
    await expect(participantPage.getByRole('main').innerText()).resolves.toContain('Für dieses Angebot gibt es noch keine Unterlagen.');
  });
});
