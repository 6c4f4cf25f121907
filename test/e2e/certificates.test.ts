import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { useBrowserApp } from '../support/browser';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createUser } from '../support/factories';
import { readPdf } from '../support/pdf';

/** What a phone camera reads off the printed page: page 1 rendered at 150 dpi (poppler), then decoded. */
function scanQrCode(pdf: Buffer): string | undefined {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'kokoma-scan-'));
  try {
    fs.writeFileSync(path.join(directory, 'certificate.pdf'), pdf);
    execFileSync('pdftoppm', ['-png', '-r', '150', '-f', '1', '-l', '1', '-singlefile', 'certificate.pdf', 'page'], { cwd: directory });
    const image = PNG.sync.read(fs.readFileSync(path.join(directory, 'page.png')));
    return jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height)?.data;
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

describe('certificates in the browser', () => {
  const b = useBrowserApp();


  async function download(page: Page, name: string | RegExp): Promise<Buffer> {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
    return fs.readFileSync((await file.path())!);
  }

  it('a coordinator issues certificates for a completed cohort, prints them in bulk, and the scanned QR code verifies one', async () => {
    const programme = await createProgramme(b.db, { kind: 'series' });
    const offering = await createOffering(b.db, { programmeId: programme.id, title: 'Durchgang 2026', startsInDays: -80, registrationOpensInDays: -120, sessions: 5, moduleIds: programme.modules.map((module) => module.id), capacity: 20 });
    const people = [];
    for (const [firstName, lastName, modules] of [['Jörg', 'Wendland', 5], ['Murat', 'Yılmaz', 5], ['Ines', 'Brückner', 3]] as const) {
      const person = await createUser(b.db, { firstName, lastName });
      await b.db('enrollments').insert({ offering_id: offering.id, user_id: person.id, status: 'confirmed' });
      for (const sessionId of offering.sessionIds.slice(0, modules)) await b.db('attendance_records').insert({ session_id: sessionId, user_id: person.id, status: 'present', source: 'roll_call' });
      people.push(person);
    }
    const coordinator = await createUser(b.db, { role: 'coordinator', firstName: 'Katrin', lastName: 'Mühlberg' });

    await b.logIn(b.page, coordinator);
    await b.visit(`/manage/offerings/${offering.id}`);
    await b.follow(() => b.page.getByRole('link', { name: 'Abschlüsse prüfen, Zertifikate ausstellen, drucken und widerrufen' }).click());
    const table = b.page.getByRole('table', { name: 'Teilnehmende und ihre Zertifikate' });
    await expect(table.getByRole('row', { name: /Brückner, Ines/ }).innerText()).resolves.toContain('nicht abgeschlossen');

    await b.follow(() => b.page.getByRole('button', { name: 'Zertifikate für alle 2 berechtigten Personen ausstellen' }).click());
    await b.screenshot('certificates-issued');
    await expect(b.page.getByRole('status').first().innerText()).resolves.toContain('2 Zertifikate ausgestellt');
    const year = new Date().getFullYear();
    // Issued in the order of the list (by last name).
    await expect(table.getByRole('row', { name: /Wendland, Jörg/ }).innerText()).resolves.toContain(`KKM-${year}-00001`);
    await expect(table.getByRole('row', { name: /Yılmaz, Murat/ }).innerText()).resolves.toContain(`KKM-${year}-00002`);

    const bulk = await readPdf(await download(b.page, 'Alle als ein PDF drucken'));
    expect(bulk.pages).toBe(2);
    expect(bulk.text).toContain('Jörg Wendland');
    expect(bulk.text).toContain('Murat Yılmaz');
    const zip = await download(b.page, 'Alle als ZIP herunterladen');
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    expect(zip.toString('latin1')).toContain(`KKM-${year}-00002_Murat-Y`);

    // The paper certificate of Jörg Wendland: its QR code leads anybody to the verification page.
    const paper = await download(b.page, 'PDF herunterladen: Jörg Wendland');
    const scanned = scanQrCode(paper);
    expect(scanned).toMatch(/^http:\/\/campus\.test\/verify\/[0-9A-HJKMNP-TV-Z]{20}$/);
    const phone = await b.newPage();
    await b.visit(new URL(scanned!).pathname, phone);
    await b.screenshot('certificate-verified', phone);
    const main = await phone.getByRole('main').innerText();
    expect(main).toContain('Gültiges Zertifikat');
    expect(main).toContain('Jörg Wendland');
    expect(main).toContain(`KKM-${year}-00001`);
    expect(main).toContain('Kommunales Konfliktmanagement – Theorie und Praxis');
    expect(main).toContain('40 Unterrichtseinheiten');
    expect(main).not.toContain('Murat');

    // Somebody types the code from the paper by hand, in lower case with spaces.
    const code = new URL(scanned!).pathname.split('/').pop()!;
    await b.visit('/verify', phone);
    await phone.getByLabel('Prüfcode').fill(code.toLowerCase().replace(/(.{5})/g, '$1 '));
    await b.follow(() => phone.getByRole('button', { name: 'Prüfen' }).click(), phone);
    await expect(phone.getByRole('heading', { name: 'Gültiges Zertifikat' }).isVisible()).resolves.toBe(true);

    // The holder finds it under "Meine Zertifikate".
    const holder = await b.newPage();
    await b.logIn(holder, people[0]!);
    await b.follow(() => holder.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Meine Zertifikate' }).click(), holder);
    await expect(holder.getByRole('main').innerText()).resolves.toContain(`Nummer KKM-${year}-00001`);
  });
});
