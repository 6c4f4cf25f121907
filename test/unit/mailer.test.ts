import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/http/logger';
import { composeMail, greetingNameOf } from '../../src/mail/compose';
import { createMailer } from '../../src/mail/mailer';

describe('mailer without SMTP_URL', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'kokoma-mail-'));
  });

  afterEach(async () => {
    await fs.rm(directory, { recursive: true, force: true });
  });

  function fileMailer(maildir: string) {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', MAIL_DIR: maildir, MAIL_FROM: 'KoKoMa Campus <no-reply@kokoma.example>' });
    return createMailer(config, createLogger(config));
  }

  async function emlFiles(maildir: string): Promise<string[]> {
    const names = (await fs.readdir(maildir)).filter((name) => name.endsWith('.eml'));
    return Promise.all(names.map((name) => fs.readFile(path.join(maildir, name), 'utf8')));
  }

  it('writes each mail as an .eml file with subject, plain-text and HTML parts', async () => {
    const mailer = fileMailer(directory);
    try {
      await mailer.send({
        to: 'jana.koehler@beispielburg.example',
        subject: 'Your enrollment is confirmed',
        text: 'Plain text part: see you on 25 November.',
        html: '<p>HTML part: see you on <strong>25 November</strong>.</p>',
      });
    } finally {
      mailer.close();
    }
    const [eml, ...others] = await emlFiles(directory);
    expect(others).toHaveLength(0);
    expect(eml).toMatch(/^Subject: Your enrollment is confirmed$/m);
    expect(eml).toMatch(/^To: jana\.koehler@beispielburg\.example$/m);
    expect(eml).toMatch(/^From: KoKoMa Campus <no-reply@kokoma\.example>$/m);
    expect(eml).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(eml).toMatch(/^Content-Type: text\/plain; charset=utf-8$/m);
    expect(eml).toMatch(/^Content-Type: text\/html; charset=utf-8$/m);
    expect(eml).toContain('Plain text part: see you on 25 November.');
    expect(eml).toContain('<p>HTML part: see you on <strong>25 November</strong>.</p>');
  });

  it('carries a calendar invitation as an iTIP part that mail programs offer to accept', async () => {
    const mailer = fileMailer(directory);
    const calendar = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//KoKoMa Campus//DE', 'METHOD:REQUEST', 'BEGIN:VEVENT', 'UID:session-7@campus.test', 'SEQUENCE:2', 'DTSTAMP:20261202T100000Z', 'DTSTART:20261210T080000Z', 'DTEND:20261210T150000Z', 'SUMMARY:Modul 1', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    try {
      await mailer.send({ to: 'jana.koehler@beispielburg.example', subject: 'Einladung', text: 'Termin', html: '<p>Termin</p>', calendar: { method: 'REQUEST', content: calendar } });
    } finally {
      mailer.close();
    }
    const [eml] = await emlFiles(directory);
    expect(eml).toMatch(/^Content-Type: text\/calendar; charset=utf-8; method=REQUEST$/m);
    expect(eml).toMatch(/filename=einladung\.ics/);
  });

  it('creates the mail directory when it does not exist yet and keeps every mail', async () => {
    const nested = path.join(directory, 'var', 'mail');
    const mailer = fileMailer(nested);
    try {
      const mail = await composeMail('erika@gemeinde.example', 'de', { key: 'mail.passwordReset', params: { name: 'Erika', minutes: 60, region: 'Landkreis Musterland' }, actionUrl: 'http://campus.test/password/reset/abc' });
      await mailer.send(mail);
      await mailer.send(mail);
    } finally {
      mailer.close();
    }
    const files = await emlFiles(nested);
    expect(files).toHaveLength(2);
    // Umlauts travel MIME-encoded (quoted-printable) and arrive intact in both parts.
    expect(files[0]).toMatch(/^Subject: =\?UTF-8\?Q\?Passwort_zur=C3=BCcksetzen\?=$/m);
    const [, , plain = '', html = ''] = decodeQuotedPrintable(files[0] ?? '').split(/^Content-Type: /m);
    expect(plain).toMatch(/^text\/plain/);
    expect(plain).toContain('Guten Tag Erika,');
    expect(plain).toContain('Der Link ist 60 Minuten gültig');
    expect(plain).toContain('http://campus.test/password/reset/abc');
    expect(html).toMatch(/^text\/html/);
    expect(html).toContain('<p>Guten Tag Erika,</p>');
    expect(html).toContain('href="http://campus.test/password/reset/abc"');
  });
});

describe('greeting', () => {
  it('greets with first and last name, matching the formal "Sie"', async () => {
    const name = greetingNameOf({ firstName: ' Claudia ', lastName: 'Weißbach' });
    expect(name).toBe('Claudia Weißbach');
    const mail = await composeMail('claudia@gemeinde.example', 'de', { key: 'mail.passwordReset', params: { name, minutes: 60, region: 'Landkreis Musterland' } });
    expect(mail.text).toContain('Guten Tag Claudia Weißbach,');
    const neutral = await composeMail('claudia@gemeinde.example', 'de', { key: 'mail.passwordReset', params: { minutes: 60, region: 'Landkreis Musterland' } });
    expect(neutral.text).toContain('Guten Tag,');
  });
});

function decodeQuotedPrintable(eml: string): string {
  const bytes = eml.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
