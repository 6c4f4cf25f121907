import { createCertificateTemplateService } from '../../src/certificates/template.service';
import { useTestApp } from '../support/app';
import { createProgramme } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { decodeEntities, errorSummaryText, fieldErrorText, inputValue } from '../support/html';
import { binaryParser, csrfTokenIn, loginAs, newAgent, textOf, type Agent } from '../support/http';
import { readPdf } from '../support/pdf';

/** A 1×1 PNG (RGBA) and a 1×1 JPEG: real images, as small as they get. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);

type Upload = { field: string; bytes: Buffer; filename: string; contentType: string };

const EDITOR = (programmeId: number) => `/manage/programmes/${programmeId}/certificate`;
const PREVIEW = (programmeId: number) => `${EDITOR(programmeId)}/preview.pdf`;

/** How many pictures a PDF holds (image XObjects, not counting the transparency masks of PNGs with alpha). */
const imageCount = (pdf: Buffer) => {
  const source = pdf.toString('latin1');
  return (source.match(/\/Subtype \/Image/g) ?? []).length - (source.match(/\/SMask \d+ 0 R/g) ?? []).length;
};
const folded = (text: string) => text.replace(/\s+/g, ' ');

describe('certificate template per programme', () => {
  const ctx = useTestApp();

  async function coordinator(role: 'coordinator' | 'admin' = 'coordinator'): Promise<Agent> {
    return loginAs(ctx.app, await createUser(ctx.db, { role, firstName: 'Katrin', lastName: 'Koordina' }));
  }

  /** Submits the template form the way a browser does: multipart, the CSRF token in the action URL. */
  async function submitTemplate(agent: Agent, programmeId: number, fields: Record<string, string>, uploads: Upload[] = []) {
    const page = await agent.get(EDITOR(programmeId));
    expect(page.status).toBe(200);
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(page.text)?.[1];
    if (!action) throw new Error('no upload form on the page');
    const request = agent.post(decodeEntities(action));
    for (const [name, value] of Object.entries(fields)) request.field(name, value);
    for (const upload of uploads) request.attach(upload.field, upload.bytes, { filename: upload.filename, contentType: upload.contentType });
    return request;
  }

  async function previewOf(agent: Agent, programmeId: number) {
    const response = await agent.get(PREVIEW(programmeId)).buffer(true).parse(binaryParser);
    expect(response.status).toBe(200);
    const pdf = response.body as Buffer;
    return { response, pdf, text: folded((await readPdf(pdf)).text) };
  }

  const texts = {
    title: 'Zertifikat Konfliktmanagement',
    body: 'hat die Qualifizierungsreihe mit Erfolg abgeschlossen.',
    fundingLine: 'Gefördert im Rahmen des Bundesprogramms „Demokratie leben!“',
    signatory1Name: 'Dr. Helga Beispiel',
    signatory1Function: 'Landrätin',
    signatory2Name: 'Jonas Probst',
    signatory2Function: 'Koordinierungsstelle',
  };

  it('saves title, text, signatories and funding line; the preview shows them with sample data', async () => {
    const programme = await createProgramme(ctx.db, { kind: 'series' });
    const agent = await coordinator();

    const detail = await agent.get(`/manage/programmes/${programme.id}`);
    expect(detail.text).toContain(`href="${EDITOR(programme.id)}"`);

    const before = await previewOf(agent, programme.id);
    expect(before.text).toContain('Zertifikat');
    expect(before.text).not.toContain(texts.signatory1Name);

    const saved = await submitTemplate(agent, programme.id, texts);
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(EDITOR(programme.id));

    const page = await agent.get(EDITOR(programme.id));
    expect(textOf(page.text)).toContain('Die Zertifikatsvorlage wurde gespeichert.');
    expect(inputValue(page.text, 'title')).toBe(texts.title);
    expect(inputValue(page.text, 'signatory2Function')).toBe(texts.signatory2Function);

    const { response, text } = await previewOf(agent, programme.id);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['content-disposition']).toBe(`inline; filename="muster-zertifikat-${programme.id}.pdf"`);
    for (const value of Object.values(texts)) expect(text).toContain(value);
    expect(text).toContain('Erika Mustermann');
    expect(text).toContain('MUSTER');
    // The programme's real modules with their teaching units: 5 × 8 UE.
    for (let position = 1; position <= 5; position += 1) expect(text).toContain(`Modul ${position}`);
    expect(text).toContain('40 Unterrichtseinheiten');

    // What issuing uses afterwards.
    const template = await createCertificateTemplateService(ctx.db, ctx.config).templateFor(programme.id);
    expect(template).toEqual({
      title: texts.title,
      body: texts.body,
      fundingLine: texts.fundingLine,
      signatories: [
        { name: texts.signatory1Name, function: texts.signatory1Function, signatureImageId: null },
        { name: texts.signatory2Name, function: texts.signatory2Function, signatureImageId: null },
      ],
      logoImageIds: [],
    });
    const audit = await ctx.db('audit_events').select('action', 'subject_id').where('action', 'certificate_template.updated');
    expect(audit).toEqual([{ action: 'certificate_template.updated', subject_id: String(programme.id) }]);
  });

  it('previews a workshop as a confirmation of attendance with a sample date', async () => {
    const programme = await createProgramme(ctx.db, { kind: 'workshop', title: 'Umgang mit extremistischen Gruppierungen' });
    const agent = await coordinator('admin');
    const page = await agent.get(EDITOR(programme.id));
    expect(textOf(page.text)).toContain('noch keine Vorlage gespeichert');
    expect(inputValue(page.text, 'title')).toBe('Teilnahmebestätigung');

    const { response, text } = await previewOf(agent, programme.id);
    expect(response.headers['content-disposition']).toBe(`inline; filename="muster-teilnahmebestaetigung-${programme.id}.pdf"`);
    expect(text).toContain('Teilnahmebestätigung');
    expect(text).toContain('Umgang mit extremistischen Gruppierungen');
    expect(text).toMatch(/\d{2}\.\d{2}\.\d{4}, 09:00/);
  });

  it('stores an uploaded PNG logo and a JPEG signature, shows them and prints them in the preview', async () => {
    const programme = await createProgramme(ctx.db, { kind: 'series' });
    const agent = await coordinator();
    expect(imageCount((await previewOf(agent, programme.id)).pdf)).toBe(0);

    const saved = await submitTemplate(agent, programme.id, { ...texts, signatory2Name: '', signatory2Function: '' }, [
      { field: 'logo1', bytes: PNG, filename: 'Wappen.png', contentType: 'image/png' },
      { field: 'signatory1Image', bytes: JPEG, filename: 'unterschrift.jpg', contentType: 'image/jpeg' },
    ]);
    expect(saved.status).toBe(303);

    const images = await ctx.db('certificate_images').select('id', 'content_type', 'programme_id').orderBy('id');
    expect(images.map((image) => image.content_type).sort()).toEqual(['image/jpeg', 'image/png']);
    const logo = images.find((image) => image.content_type === 'image/png')!;

    const page = await agent.get(EDITOR(programme.id));
    expect(page.text).toContain(`src="/manage/certificate-images/${logo.id}"`);
    expect(page.text).toContain(`alt="Aktuelle Unterschrift von ${texts.signatory1Name}"`);

    const served = await agent.get(`/manage/certificate-images/${logo.id}`).buffer(true).parse(binaryParser);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect(Buffer.compare(served.body as Buffer, PNG)).toBe(0);

    expect(imageCount((await previewOf(agent, programme.id)).pdf)).toBe(2);

    // Removing the logo takes it off the template; the image row stays for certificates issued with it.
    const removed = await submitTemplate(agent, programme.id, { ...texts, signatory2Name: '', signatory2Function: '', logo1Remove: 'yes' });
    expect(removed.status).toBe(303);
    const template = await createCertificateTemplateService(ctx.db, ctx.config).templateFor(programme.id);
    expect(template.logoImageIds).toEqual([]);
    expect(template.signatories).toEqual([{ name: texts.signatory1Name, function: texts.signatory1Function, signatureImageId: expect.any(Number) }]);
    expect(imageCount((await previewOf(agent, programme.id)).pdf)).toBe(1);
    expect(await ctx.db('certificate_images').count({ count: '*' }).first()).toEqual({ count: 2 });
  });

  it('refuses a text file named .png and an image over 2 MB with a German message, and changes nothing', async () => {
    const programme = await createProgramme(ctx.db, { kind: 'series' });
    const agent = await coordinator();
    expect((await submitTemplate(agent, programme.id, texts)).status).toBe(303);
    const stored = await ctx.db('certificate_templates').select('title', 'updated_at').where('programme_id', programme.id).first();

    const fake = await submitTemplate(agent, programme.id, { ...texts, title: 'Neuer Titel' }, [
      { field: 'logo1', bytes: Buffer.from('Das ist kein Bild, nur Text.\n'), filename: 'logo.png', contentType: 'image/png' },
    ]);
    expect(fake.status).toBe(422);
    expect(fieldErrorText(fake.text, 'logo1')).toBe('Die Datei ist kein PNG- oder JPEG-Bild. Bitte wählen Sie eine PNG- oder JPEG-Datei aus.');
    expect(errorSummaryText(fake.text)).toContain('kein PNG- oder JPEG-Bild');
    expect(inputValue(fake.text, 'title')).toBe('Neuer Titel');

    const tooLarge = Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]);
    const large = await submitTemplate(agent, programme.id, { ...texts, title: 'Neuer Titel' }, [{ field: 'logo2', bytes: tooLarge, filename: 'gross.png', contentType: 'image/png' }]);
    expect(large.status).toBe(422);
    expect(fieldErrorText(large.text, 'logo2')).toBe('Die Datei ist größer als 2 MB. Bitte wählen Sie ein kleineres Bild aus.');

    const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
    const other = await submitTemplate(agent, programme.id, texts, [{ field: 'signatory1Image', bytes: gif, filename: 'unterschrift.gif', contentType: 'image/gif' }]);
    expect(other.status).toBe(422);
    expect(fieldErrorText(other.text, 'signatory1Image')).toContain('kein PNG- oder JPEG-Bild');

    // A real PNG header with broken pixel data: pdfkit would throw outside any handler while drawing it.
    const broken = Buffer.from(PNG);
    broken.fill(0xff, 41, 54);
    const corrupt = await submitTemplate(agent, programme.id, texts, [{ field: 'logo1', bytes: broken, filename: 'logo.png', contentType: 'image/png' }]);
    expect(corrupt.status).toBe(422);
    expect(fieldErrorText(corrupt.text, 'logo1')).toContain('kein PNG- oder JPEG-Bild');

    expect(await ctx.db('certificate_templates').select('title', 'updated_at').where('programme_id', programme.id).first()).toEqual(stored);
    expect(await ctx.db('certificate_images').count({ count: '*' }).first()).toEqual({ count: 0 });
    expect(await ctx.db('audit_events').count({ count: '*' }).where('action', 'certificate_template.updated').first()).toEqual({ count: 1 });
  });

  it('shows validation errors with status 422 and keeps the input', async () => {
    const programme = await createProgramme(ctx.db, { kind: 'series' });
    const agent = await coordinator();

    const response = await submitTemplate(agent, programme.id, { ...texts, title: '   ', body: 'x'.repeat(1501), signatory2Name: '', signatory2Function: 'Bürgermeisterin' });
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'title')).toBe('Bitte geben Sie einen Titel ein.');
    expect(fieldErrorText(response.text, 'body')).toBe('Der Text darf höchstens 1500 Zeichen lang sein.');
    expect(fieldErrorText(response.text, 'signatory2Name')).toBe('Bitte geben Sie den Namen der unterschreibenden Person an.');
    expect(errorSummaryText(response.text)).toContain('Bitte geben Sie einen Titel ein.');
    expect(response.text).toContain('href="#field-body"');
    expect(response.text).toContain(`>${'x'.repeat(1501)}</textarea>`);
    expect(inputValue(response.text, 'signatory1Name')).toBe(texts.signatory1Name);
    expect(inputValue(response.text, 'signatory2Function')).toBe('Bürgermeisterin');

    const long = await submitTemplate(agent, programme.id, { ...texts, title: 'T'.repeat(121), fundingLine: 'F'.repeat(301), signatory1Function: 'f'.repeat(101) });
    expect(long.status).toBe(422);
    expect(fieldErrorText(long.text, 'title')).toBe('Der Titel darf höchstens 120 Zeichen lang sein.');
    expect(fieldErrorText(long.text, 'fundingLine')).toBe('Der Förderhinweis darf höchstens 300 Zeichen lang sein.');
    expect(fieldErrorText(long.text, 'signatory1Function')).toBe('Die Funktion darf höchstens 100 Zeichen lang sein.');

    const withoutName = await submitTemplate(agent, programme.id, { ...texts, signatory1Name: '', signatory1Function: '' }, [
      { field: 'signatory1Image', bytes: PNG, filename: 'unterschrift.png', contentType: 'image/png' },
    ]);
    expect(withoutName.status).toBe(422);
    expect(fieldErrorText(withoutName.text, 'signatory1Name')).toContain('Zu einem Bild der Unterschrift gehört ein Name.');
    expect(inputValue(withoutName.text, 'signatory2Name')).toBe(texts.signatory2Name);

    expect(await ctx.db('certificate_templates').count({ count: '*' }).first()).toEqual({ count: 0 });
    expect(await ctx.db('certificate_images').count({ count: '*' }).first()).toEqual({ count: 0 });
  });

  it('is for coordinators and admins only', async () => {
    const programme = await createProgramme(ctx.db, { kind: 'series' });
    const editor = await coordinator();
    expect((await submitTemplate(editor, programme.id, texts, [{ field: 'logo1', bytes: PNG, filename: 'logo.png', contentType: 'image/png' }])).status).toBe(303);
    const image = await ctx.db('certificate_images').select('id').first();

    const anonymous = newAgent(ctx.app);
    const login = await anonymous.get(EDITOR(programme.id));
    expect(login.status).toBe(302);
    expect(login.headers.location).toBe(`/login?next=${encodeURIComponent(EDITOR(programme.id))}`);
    expect((await anonymous.get(PREVIEW(programme.id))).status).toBe(302);
    expect((await anonymous.get(`/manage/certificate-images/${image.id}`)).status).toBe(302);
    const home = await anonymous.get('/login');
    expect((await anonymous.post(`${EDITOR(programme.id)}?_csrf=${encodeURIComponent(csrfTokenIn(home.text))}`).field('title', 'X')).status).toBe(403);

    for (const role of ['participant', 'trainer'] as const) {
      const agent = await loginAs(ctx.app, await createUser(ctx.db, { role }));
      expect((await agent.get(EDITOR(programme.id))).status).toBe(403);
      expect((await agent.get(PREVIEW(programme.id))).status).toBe(403);
      expect((await agent.get(`/manage/certificate-images/${image.id}`)).status).toBe(403);
      const page = await agent.get('/');
      const post = await agent
        .post(`${EDITOR(programme.id)}?_csrf=${encodeURIComponent(csrfTokenIn(page.text))}`)
        .field('title', 'Übernommen')
        .attach('logo2', PNG, { filename: 'logo.png', contentType: 'image/png' });
      expect(post.status).toBe(403);
    }
    expect(await createCertificateTemplateService(ctx.db, ctx.config).templateFor(programme.id)).toMatchObject({ title: texts.title, logoImageIds: [image.id] });
    expect(await ctx.db('certificate_images').count({ count: '*' }).first()).toEqual({ count: 1 });
  });

  it('answers 404 for an unknown programme or image', async () => {
    const agent = await coordinator();
    expect((await agent.get(EDITOR(999999))).status).toBe(404);
    expect((await agent.get(PREVIEW(999999))).status).toBe(404);
    expect((await agent.get('/manage/certificate-images/999999')).status).toBe(404);
    const page = await agent.get('/');
    expect((await agent.post(`${EDITOR(999999)}?_csrf=${encodeURIComponent(csrfTokenIn(page.text))}`).field('title', 'X')).status).toBe(404);
  });
});
