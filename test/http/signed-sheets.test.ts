import { createHash } from 'node:crypto';
import { useTestApp } from '../support/app';
import { createOffering } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { decodeEntities, errorSummaryText, fieldErrorText } from '../support/html';
import { binaryParser, loginAs, textOf, type Agent } from '../support/http';

/** A minimal PDF, a 1×1 PNG, a 1×1 JPEG and a 1×1 GIF: real files, as small as they get. */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

const ROLL_CALL = (sessionId: number) => `/attendance/sessions/${sessionId}`;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

type Upload = { bytes: Buffer; filename: string; contentType: string };

describe('signed sign-in sheets', () => {
  const ctx = useTestApp();

  async function sessionWithTrainer() {
    const trainer = await createUser(ctx.db, { role: 'trainer', firstName: 'Jana', lastName: 'Feldkamp' });
    const offering = await createOffering(ctx.db, { startsInDays: -1, registrationClosesInDays: -2, registrationOpensInDays: -20, trainerIds: [trainer.id] });
    return { trainer, offering, sessionId: offering.sessionIds[0]! };
  }

  /** The upload form's action on the roll-call page (it carries the CSRF token, like the browser sends it). */
  async function uploadAction(agent: Agent, sessionId: number): Promise<string> {
    const page = await agent.get(ROLL_CALL(sessionId));
    expect(page.status).toBe(200);
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(page.text)?.[1];
    if (!action) throw new Error('no upload form on the roll-call page');
    return decodeEntities(action);
  }

  async function upload(agent: Agent, sessionId: number, file: Upload) {
    return agent.post(await uploadAction(agent, sessionId)).attach('file', file.bytes, { filename: file.filename, contentType: file.contentType });
  }

  async function download(agent: Agent, sheetId: number) {
    return agent.get(`/attendance/signed-sheets/${sheetId}`).buffer(true).parse(binaryParser);
  }

  const storedCount = async () => Number((await ctx.db('signed_sheets').count({ count: '*' }).first())?.count);

  it('the session’s trainer uploads a PDF and a JPEG; coordinators see both and download them byte for byte', async () => {
    const { trainer, sessionId } = await sessionWithTrainer();
    const agent = await loginAs(ctx.app, trainer);

    const empty = await agent.get(ROLL_CALL(sessionId));
    const emptyText = textOf(empty.text);
    expect(emptyText).toContain('Unterschriebene Liste');
    expect(emptyText).toContain('PDF, PNG oder JPEG, höchstens 20 MB');
    expect(empty.text).toMatch(/<label class="kern-label" for="field-file">/);

    const pdf = await upload(agent, sessionId, { bytes: PDF, filename: 'Unterschriften Müllheim.pdf', contentType: 'application/pdf' });
    expect(pdf.status).toBe(303);
    expect(pdf.headers.location).toBe(ROLL_CALL(sessionId));
    const afterPdf = await agent.get(ROLL_CALL(sessionId));
    expect(textOf(afterPdf.text)).toContain('Die unterschriebene Liste „Unterschriften Müllheim.pdf“ wurde hochgeladen.');

    const jpeg = await upload(agent, sessionId, { bytes: JPEG, filename: 'Foto der Liste.JPG', contentType: 'image/jpeg' });
    expect(jpeg.status).toBe(303);

    const rows = await ctx.db('signed_sheets').select('id', 'session_id', 'content_type', 'original_name', 'size_bytes', 'sha256', 'uploaded_by').orderBy('id');
    expect(rows).toEqual([
      { id: expect.any(Number), session_id: sessionId, content_type: 'application/pdf', original_name: 'Unterschriften Müllheim.pdf', size_bytes: PDF.length, sha256: sha256(PDF), uploaded_by: trainer.id },
      { id: expect.any(Number), session_id: sessionId, content_type: 'image/jpeg', original_name: 'Foto der Liste.JPG', size_bytes: JPEG.length, sha256: sha256(JPEG), uploaded_by: trainer.id },
    ]);
    const [pdfRow, jpegRow] = rows as { id: number }[];

    const audit = await ctx.db('audit_events').where('action', 'signed_sheet.uploaded').orderBy('id');
    expect(audit.map((event) => [event.actor_user_id, event.subject_type, event.subject_id])).toEqual([
      [trainer.id, 'signed_sheet', String(pdfRow!.id)],
      [trainer.id, 'signed_sheet', String(jpegRow!.id)],
    ]);

    // The trainer may download the scans of their own session too.
    expect((await download(agent, pdfRow!.id)).status).toBe(200);

    const coordinator = await loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
    const page = await coordinator.get(ROLL_CALL(sessionId));
    expect(page.status).toBe(200);
    const text = textOf(page.text);
    // Newest first, the newest marked as the one that counts; earlier ones stay listed.
    expect(text.indexOf('Foto der Liste.JPG')).toBeLessThan(text.indexOf('Unterschriften Müllheim.pdf'));
    expect(text).toMatch(/Foto der Liste\.JPG aktuell/);
    expect(text).toContain('Jana Feldkamp');
    expect(text).toMatch(new RegExp(`${PDF.length} B`));
    expect(text).toMatch(/\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} Uhr/);
    expect(page.text).toContain(`href="/attendance/signed-sheets/${pdfRow!.id}"`);
    expect(page.text).toContain(`href="/attendance/signed-sheets/${jpegRow!.id}"`);

    const pdfDownload = await download(coordinator, pdfRow!.id);
    expect(pdfDownload.status).toBe(200);
    expect(Buffer.compare(pdfDownload.body as Buffer, PDF)).toBe(0);
    expect(pdfDownload.headers['content-type']).toBe('application/pdf');
    expect(pdfDownload.headers['content-length']).toBe(String(PDF.length));
    expect(pdfDownload.headers['content-disposition']).toMatch(/^attachment;/);
    expect(pdfDownload.headers['content-disposition']).toContain("filename*=UTF-8''Unterschriften%20M%C3%BCllheim.pdf");
    expect(pdfDownload.headers['x-content-type-options']).toBe('nosniff');

    const jpegDownload = await download(coordinator, jpegRow!.id);
    expect(jpegDownload.status).toBe(200);
    expect(Buffer.compare(jpegDownload.body as Buffer, JPEG)).toBe(0);
    expect(jpegDownload.headers['content-type']).toBe('image/jpeg');
    expect(jpegDownload.headers['content-length']).toBe(String(JPEG.length));
    expect(jpegDownload.headers['content-disposition']).toBe('attachment; filename="Foto der Liste.JPG"');
  });

  it.each([
    ['a text file named .pdf', { bytes: Buffer.from('Das ist keine PDF-Datei, nur Text.\n'), filename: 'Liste.pdf', contentType: 'application/pdf' }, 'Die Datei ist kein PDF-, PNG- oder JPEG-Dokument.'],
    ['a PNG named .pdf', { bytes: PNG, filename: 'Liste.pdf', contentType: 'application/pdf' }, 'Die Endung des Dateinamens passt nicht zum Inhalt der Datei.'],
    ['a GIF', { bytes: GIF, filename: 'Liste.gif', contentType: 'image/gif' }, 'Die Datei ist kein PDF-, PNG- oder JPEG-Dokument.'],
    ['an empty file', { bytes: Buffer.alloc(0), filename: 'Liste.pdf', contentType: 'application/pdf' }, 'Die Datei ist leer.'],
    ['a file of 20 MB and one byte', { bytes: Buffer.concat([PDF, Buffer.alloc(20 * 1024 * 1024 + 1 - PDF.length, 0x20)]), filename: 'Liste.pdf', contentType: 'application/pdf' }, 'Die Datei ist größer als 20 MB.'],
  ])('refuses %s with 422 and a message on the file field, and stores nothing', async (_name, file, message) => {
    const { trainer, sessionId } = await sessionWithTrainer();
    const agent = await loginAs(ctx.app, trainer);
    const response = await upload(agent, sessionId, file);
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'file')).toContain(message);
    expect(errorSummaryText(response.text)).toContain(message);
    expect(response.text).toContain('href="#field-file"');
    // The roll-call page is shown again around the form.
    expect(textOf(response.text)).toContain('Unterschriebene Liste');
    expect(await storedCount()).toBe(0);
    expect(await ctx.db('audit_events').where('action', 'signed_sheet.uploaded')).toHaveLength(0);
  });

  it('refuses a form without a file with 422', async () => {
    const { trainer, sessionId } = await sessionWithTrainer();
    const agent = await loginAs(ctx.app, trainer);
    const response = await agent.post(await uploadAction(agent, sessionId)).field('note', 'ohne Datei');
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'file')).toBe('Bitte wählen Sie die Datei mit der unterschriebenen Liste aus.');
    expect(await storedCount()).toBe(0);
  });

  it('a participant and a trainer of another session can neither upload nor download', async () => {
    const { trainer, sessionId } = await sessionWithTrainer();
    const own = await loginAs(ctx.app, trainer);
    expect((await upload(own, sessionId, { bytes: PDF, filename: 'Liste.pdf', contentType: 'application/pdf' })).status).toBe(303);
    const sheet = (await ctx.db('signed_sheets').first('id')) as { id: number };

    const participant = await loginAs(ctx.app, await createUser(ctx.db));
    const otherTrainer = await loginAs(ctx.app, await createUser(ctx.db, { role: 'trainer' }));
    // Neither can open the page with the form, so they take the token of a page of their own.
    for (const agent of [participant, otherTrainer]) {
      const home = await agent.get('/account');
      const token = /name="_csrf" value="([^"]+)"/.exec(home.text)?.[1] ?? '';
      const response = await agent.post(`/attendance/sessions/${sessionId}/signed-sheets?_csrf=${encodeURIComponent(token)}`).attach('file', PDF, { filename: 'Liste.pdf', contentType: 'application/pdf' });
      expect(response.status).toBe(403);
      // Refused by the permission check, not for a missing token.
      expect(textOf(response.text)).not.toContain('Das Formular ist abgelaufen');
    }
    expect(await storedCount()).toBe(1);

    expect((await download(participant, sheet.id)).status).toBe(403);
    // For a trainer of another session the scan does not exist, like an unknown id.
    expect((await download(otherTrainer, sheet.id)).status).toBe(404);
    expect((await download(own, sheet.id + 1000)).status).toBe(404);
    expect((await download(own, sheet.id)).status).toBe(200);
  });

  it('refuses an upload without CSRF token', async () => {
    const { trainer, sessionId } = await sessionWithTrainer();
    const agent = await loginAs(ctx.app, trainer);
    await agent.get(ROLL_CALL(sessionId));
    const response = await agent.post(`/attendance/sessions/${sessionId}/signed-sheets`).attach('file', PDF, { filename: 'Liste.pdf', contentType: 'application/pdf' });
    expect(response.status).toBe(403);
    expect(textOf(response.text)).toContain('Das Formular ist abgelaufen');
    expect(await storedCount()).toBe(0);
  });
});
