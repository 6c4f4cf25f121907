import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { decodeEntities, errorSummaryText, fieldErrorText, inputValue } from '../support/html';
import { loginAs, textOf, type Agent } from '../support/http';

/*
 * The four upload forms (course materials, certificate images, signed sign-in sheets,
 * bulk enrollment lists) share one pipeline: every refusal shows the form again with a
 * German message next to the field and what the person typed, and keeps nothing.
 */

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const TEXT = Buffer.from('Das ist keine Datei der erwarteten Art, nur Text.\n');
/** The first bytes of an .xlsx file (a ZIP container). */
const XLSX = Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.alloc(200, 1)]);

type Part = { field: string; bytes: Buffer; filename: string; contentType?: string };

const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kokoma-uploads-'));
const storedMaterialFiles = () => {
  const root = path.join(uploadDir, 'materials');
  return fs.existsSync(root) ? fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()) : [];
};

describe('refused uploads', () => {
  const ctx = useTestApp({ UPLOAD_DIR: uploadDir });
  afterAll(() => fs.rmSync(uploadDir, { recursive: true, force: true }));

  /** Like a browser: opens the page, then posts its multipart form (the CSRF token is in the action). */
  async function submitMultipart(agent: Agent, pagePath: string, fields: Record<string, string>, parts: Part[]) {
    const page = await agent.get(pagePath);
    expect(page.status).toBe(200);
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(page.text)?.[1];
    if (!action) throw new Error(`no upload form on ${pagePath}`);
    const post = agent.post(decodeEntities(action));
    for (const [name, value] of Object.entries(fields)) void post.field(name, value);
    for (const part of parts) void post.attach(part.field, part.bytes, { filename: part.filename, contentType: part.contentType ?? 'application/octet-stream' });
    return post;
  }

  const coordinator = async () => loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
  const count = async (table: string) => Number((await ctx.db(table).count({ count: '*' }).first())?.count);

  describe('course materials', () => {
    it('shows a wrong file type and a missing title together, keeps the description and stores nothing', async () => {
      const offering = await createOffering(ctx.db);
      const agent = await coordinator();
      const response = await submitMultipart(
        agent,
        `/offerings/${offering.id}/materials/new`,
        { target: `session:${offering.sessionIds[0]}`, title: ' ', description: 'Bitte vorher lesen', visibility: 'enrolled' },
        [{ field: 'file', bytes: TEXT, filename: 'Folien.pdf', contentType: 'application/pdf' }],
      );
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'title')).toBe('Bitte füllen Sie dieses Feld aus.');
      expect(fieldErrorText(response.text, 'file')).toContain('Dieser Dateityp ist nicht erlaubt.');
      expect(response.text).toContain('>Bitte vorher lesen</textarea>');
      expect(await count('materials')).toBe(0);
      expect(storedMaterialFiles()).toEqual([]);
    });

    it('refuses two files in the one file field with a German message and stores neither', async () => {
      const offering = await createOffering(ctx.db);
      const agent = await coordinator();
      const response = await submitMultipart(agent, `/offerings/${offering.id}/materials/new`, { target: `session:${offering.sessionIds[0]}`, title: 'Zwei auf einmal', visibility: 'enrolled' }, [
        { field: 'file', bytes: PDF, filename: 'Teil 1.pdf' },
        { field: 'file', bytes: PDF, filename: 'Teil 2.pdf' },
      ]);
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'file')).toBe('Bitte laden Sie je Feld genau eine Datei hoch.');
      expect(inputValue(response.text, 'title')).toBe('Zwei auf einmal');
      expect(await count('materials')).toBe(0);
      expect(storedMaterialFiles()).toEqual([]);
    });
  });

  describe('certificate images', () => {
    it('shows a missing title and a file that is no image together, and changes nothing', async () => {
      const programme = await createProgramme(ctx.db, { kind: 'series' });
      const agent = await coordinator();
      const response = await submitMultipart(agent, `/manage/programmes/${programme.id}/certificate`, { title: '', fundingLine: 'Gefördert im Bundesprogramm' }, [
        { field: 'logo1', bytes: TEXT, filename: 'logo.png', contentType: 'image/png' },
      ]);
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'title')).toBe('Bitte geben Sie einen Titel ein.');
      expect(fieldErrorText(response.text, 'logo1')).toContain('Die Datei ist kein PNG- oder JPEG-Bild.');
      expect(textOf(response.text)).toContain('Gefördert im Bundesprogramm');
      expect(await count('certificate_templates')).toBe(0);
      expect(await count('certificate_images')).toBe(0);
    });

    it('refuses a file under a field the form does not have, keeps the title and changes nothing', async () => {
      const programme = await createProgramme(ctx.db, { kind: 'series' });
      const agent = await coordinator();
      const response = await submitMultipart(agent, `/manage/programmes/${programme.id}/certificate`, { title: 'Zertifikat mit Wasserzeichen' }, [
        { field: 'watermark', bytes: PNG, filename: 'wasserzeichen.png', contentType: 'image/png' },
      ]);
      expect(response.status).toBe(422);
      expect(errorSummaryText(response.text)).toContain('Bitte laden Sie je Feld genau eine Datei hoch.');
      expect(inputValue(response.text, 'title')).toBe('Zertifikat mit Wasserzeichen');
      expect(await count('certificate_templates')).toBe(0);
      expect(await count('certificate_images')).toBe(0);
    });
  });

  describe('signed sign-in sheets', () => {
    it('refuses two scans at once with a German message on the file field and stores neither', async () => {
      const trainer = await createUser(ctx.db, { role: 'trainer' });
      const offering = await createOffering(ctx.db, { startsInDays: -1, registrationClosesInDays: -2, registrationOpensInDays: -20, trainerIds: [trainer.id] });
      const agent = await loginAs(ctx.app, trainer);
      const response = await submitMultipart(agent, `/attendance/sessions/${offering.sessionIds[0]}`, {}, [
        { field: 'file', bytes: PDF, filename: 'Liste Seite 1.pdf' },
        { field: 'file', bytes: PDF, filename: 'Liste Seite 2.pdf' },
      ]);
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'file')).toBe('Bitte laden Sie je Feld genau eine Datei hoch.');
      expect(textOf(response.text)).toContain('Unterschriebene Liste');
      expect(await count('signed_sheets')).toBe(0);
    });
  });

  describe('bulk enrollment lists', () => {
    const bulkPage = (offeringId: number) => `/manage/offerings/${offeringId}/enrollments/bulk`;

    it('reads a CSV file in UTF-8 into the preview', async () => {
      const offering = await createOffering(ctx.db);
      const agent = await coordinator();
      const csv = Buffer.from('E-Mail;Vorname;Nachname\nmara.schoenfeld@gemeinde.example;Mara;Schönfeld\n');
      const response = await submitMultipart(agent, bulkPage(offering.id), { list: '' }, [{ field: 'file', bytes: csv, filename: 'Teilnehmende.csv', contentType: 'text/csv' }]);
      expect(response.status).toBe(200);
      expect(textOf(response.text)).toContain('mara.schoenfeld@gemeinde.example');
      expect(textOf(response.text)).toContain('Schönfeld');
    });

    it.each([
      ['a file over 1 MB', { bytes: Buffer.alloc(1024 * 1024 + 1, 'a'), filename: 'Liste.csv', contentType: 'text/csv' }, 'Die Datei ist größer als 1 MB.'],
      ['an Excel workbook', { bytes: XLSX, filename: 'Liste.xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, 'Das ist eine Excel-Arbeitsmappe, keine CSV-Datei.'],
      ['an empty file', { bytes: Buffer.alloc(0), filename: 'Liste.csv', contentType: 'text/csv' }, 'Die Datei ist leer.'],
    ])('refuses %s with a German message on the file field and enrolls nobody', async (_label, file, message) => {
      const offering = await createOffering(ctx.db);
      const agent = await coordinator();
      const response = await submitMultipart(agent, bulkPage(offering.id), {}, [{ field: 'file', ...file }]);
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'file')).toContain(message);
      expect(await count('enrollments')).toBe(0);
    });

    it('asks for either the pasted list or the file, and shows the pasted list again', async () => {
      const offering = await createOffering(ctx.db);
      const agent = await coordinator();
      const list = 'jonas.brenner@gemeinde.example;Jonas;Brenner';
      const response = await submitMultipart(agent, bulkPage(offering.id), { list }, [{ field: 'file', bytes: Buffer.from(`${list}\n`), filename: 'Liste.csv', contentType: 'text/csv' }]);
      expect(response.status).toBe(422);
      expect(fieldErrorText(response.text, 'file')).toBe('Bitte entweder eine Liste einfügen oder eine Datei hochladen, nicht beides.');
      expect(response.text).toContain(`>${list}</textarea>`);
      expect(await count('enrollments')).toBe(0);
    });
  });
});
