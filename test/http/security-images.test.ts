import { crc32, deflateSync } from 'node:zlib';
import { useTestApp } from '../support/app';
import { createProgramme } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { decodeEntities, fieldErrorText, inputValue } from '../support/html';
import { loginAs, type Agent } from '../support/http';

/** A 1×1 JPEG; its frame header is patched below to claim other dimensions. */
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/**
 * A complete, valid black-and-white PNG (1 bit per pixel, all zero): it deflates to a few
 * KB whatever its size, so a huge one is cheap to build here and cheap to upload, but
 * costly for whoever decodes it.
 */
function zeroPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  const rowBytes = 1 + Math.ceil(width / 8);
  const pixels = deflateSync(Buffer.alloc(rowBytes * height), { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', header), pngChunk('IDAT', pixels), pngChunk('IEND', Buffer.alloc(0))]);
}

/** The 1×1 JPEG with its frame header (SOF0–SOF2; this one is progressive) claiming width × height. */
function jpegClaiming(width: number, height: number): Buffer {
  const bytes = Buffer.from(JPEG);
  // Walk the segments after SOI: marker (2 bytes), length (2 bytes, counting itself), data.
  let sof = 2;
  while (![0xc0, 0xc1, 0xc2].includes(bytes[sof + 1]!)) sof += 2 + bytes.readUInt16BE(sof + 2);
  bytes.writeUInt16BE(height, sof + 5);
  bytes.writeUInt16BE(width, sof + 7);
  return bytes;
}

const EDITOR = (programmeId: number) => `/manage/programmes/${programmeId}/certificate`;
const texts = { title: 'Zertifikat', body: 'hat teilgenommen.', fundingLine: '', signatory1Name: 'Dr. Helga Beispiel', signatory1Function: 'Landrätin' };

describe('certificate images: pixel dimensions are checked before anything decodes them', () => {
  const ctx = useTestApp();

  async function coordinator(): Promise<Agent> {
    return loginAs(ctx.app, await createUser(ctx.db, { role: 'coordinator' }));
  }

  async function upload(agent: Agent, programmeId: number, field: string, bytes: Buffer, filename: string, title = texts.title) {
    const page = await agent.get(EDITOR(programmeId));
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"/.exec(page.text)![1]!;
    const request = agent.post(decodeEntities(action));
    for (const [name, value] of Object.entries({ ...texts, title })) request.field(name, value);
    return request.attach(field, bytes, { filename, contentType: filename.endsWith('.png') ? 'image/png' : 'image/jpeg' });
  }

  it('refuses a small PNG whose header says 16384 × 21800 pixels with a German message, and stores nothing', async () => {
    const programme = await createProgramme(ctx.db, { kind: 'series' });
    const agent = await coordinator();
    const bomb = zeroPng(16384, 21800);
    expect(bomb.length).toBeLessThan(100 * 1024);

    const response = await upload(agent, programme.id, 'logo1', bomb, 'wappen.png', 'Neuer Titel');
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'logo1')).toBe(
      'Das Bild ist mit 16384 × 21800 Pixeln zu groß. Erlaubt sind höchstens 4000 × 4000 Pixel. Bitte verkleinern Sie das Bild und laden Sie es erneut hoch.',
    );
    expect(inputValue(response.text, 'title')).toBe('Neuer Titel');
    expect(await ctx.db('certificate_images').count({ count: '*' }).first()).toEqual({ count: 0 });
    expect(await ctx.db('certificate_templates').count({ count: '*' }).first()).toEqual({ count: 0 });
  });

  it('refuses a JPEG whose frame header claims huge dimensions', async () => {
    const programme = await createProgramme(ctx.db, { kind: 'series' });
    const agent = await coordinator();
    const response = await upload(agent, programme.id, 'signatory1Image', jpegClaiming(30000, 40000), 'unterschrift.jpg');
    expect(response.status).toBe(422);
    expect(fieldErrorText(response.text, 'signatory1Image')).toContain('Das Bild ist mit 30000 × 40000 Pixeln zu groß. Erlaubt sind höchstens 4000 × 4000 Pixel.');
    expect(await ctx.db('certificate_images').count({ count: '*' }).first()).toEqual({ count: 0 });
  });

  it('takes images up to 4000 pixels per side and refuses one pixel more', async () => {
    const programme = await createProgramme(ctx.db, { kind: 'series' });
    const agent = await coordinator();

    const tooWide = await upload(agent, programme.id, 'logo1', zeroPng(4001, 20), 'breit.png');
    expect(tooWide.status).toBe(422);
    expect(fieldErrorText(tooWide.text, 'logo1')).toContain('4001 × 20 Pixeln zu groß');
    const tooTall = await upload(agent, programme.id, 'signatory1Image', jpegClaiming(20, 4001), 'hoch.jpg');
    expect(tooTall.status).toBe(422);
    expect(await ctx.db('certificate_images').count({ count: '*' }).first()).toEqual({ count: 0 });

    expect((await upload(agent, programme.id, 'logo1', zeroPng(4000, 20), 'wappen.png')).status).toBe(303);
    expect((await upload(agent, programme.id, 'signatory1Image', JPEG, 'unterschrift.jpg')).status).toBe(303);
    const stored = await ctx.db('certificate_images').select('content_type').orderBy('id');
    expect(stored.map((image) => image.content_type)).toEqual(['image/png', 'image/jpeg']);
  });
});
