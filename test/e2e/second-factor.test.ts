import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { useBrowserApp } from '../support/browser';
import { createUser, nextTotpCode, rememberAuthenticator } from '../support/factories';
import { codeForStep, stepAt } from '../../src/accounts/second-factor/totp';

/** What an authenticator app's camera reads off the QR code shown on the page. */
function scanDataUrl(dataUrl: string): string | undefined {
  const image = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));
  return jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height)?.data;
}

describe('second factor in the browser', () => {
  const b = useBrowserApp();

  async function logInWithPassword(email: string, password: string): Promise<void> {
    await b.visit('/login');
    await b.page.getByLabel('E-Mail-Adresse').fill(email);
    await b.page.getByLabel('Passwort', { exact: true }).fill(password);
    await b.follow(() => b.page.getByRole('button', { name: 'Anmelden' }).click());
  }

  async function logOut(): Promise<void> {
    await b.follow(() => b.page.locator('header').getByRole('button', { name: 'Abmelden' }).click());
  }

  it('a coordinator sets up TOTP at the first login, then logs in with a code and with a recovery code', async () => {
    const coordinator = await createUser(b.db, { role: 'coordinator', firstName: 'Kora', lastName: 'Koordination', secondFactor: false });

    await logInWithPassword(coordinator.email, coordinator.password);
    expect(new URL(b.page.url()).pathname).toBe('/account/second-factor/setup');
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Zweiten Faktor einrichten');
    await b.screenshot('second-factor-setup');

    // Other pages lead back here until the setup is done.
    await b.visit('/manage/programmes');
    expect(new URL(b.page.url()).pathname).toBe('/account/second-factor/setup');

    // The key for typing, with account and issuer; the QR code carries the same key.
    const typedKey = ((await b.page.locator('[data-typed-key]').textContent()) ?? '').replace(/\s+/g, '');
    expect(typedKey).toMatch(/^[A-Z2-7]{32}$/);
    await expect(b.page.locator('dl').innerText()).resolves.toContain(coordinator.email);
    await expect(b.page.locator('dl').innerText()).resolves.toContain('KoKoMa Campus');
    const qrCode = (await b.page.getByRole('img', { name: /QR-Code zum Einrichten/ }).getAttribute('src')) ?? '';
    const scanned = new URL(scanDataUrl(qrCode) ?? 'about:blank');
    expect(scanned.protocol).toBe('otpauth:');
    expect(scanned.searchParams.get('secret')).toBe(typedKey);
    expect(scanned.searchParams.get('issuer')).toBe('KoKoMa Campus');

    // A wrong code: the error summary names it and the key stays the same.
    await b.page.getByLabel('Code aus der App').fill('000000');
    await b.follow(() => b.page.getByRole('button', { name: 'Einrichten' }).click());
    await expect(b.page.getByRole('alert').innerText()).resolves.toContain('Der Code ist nicht gültig');
    await expect(b.page.locator('[data-typed-key]').textContent()).resolves.toBe(typedKey.match(/.{4}/g)!.join(' '));

    const step = stepAt(Date.now());
    await b.page.getByLabel('Code aus der App').fill(codeForStep(typedKey, step));
    await b.follow(() => b.page.getByRole('button', { name: 'Einrichten' }).click());
    rememberAuthenticator(coordinator.email, typedKey, step);
    await expect(b.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Ihre Wiederherstellungscodes');
    const recoveryCodes = await b.page.locator('[data-recovery-code]').allTextContents();
    expect(recoveryCodes).toHaveLength(10);
    await b.screenshot('second-factor-codes');
    // On to the page that was asked for before the setup.
    await b.follow(() => b.page.getByRole('link', { name: 'Weiter' }).click());
    expect(new URL(b.page.url()).pathname).toBe('/manage/programmes');
    await logOut();

    // With a code from the app.
    await logInWithPassword(coordinator.email, coordinator.password);
    expect(new URL(b.page.url()).pathname).toBe('/login/code');
    await b.screenshot('second-factor-code');
    await b.page.getByLabel('Code', { exact: true }).fill(await nextTotpCode(coordinator.email));
    await b.follow(() => b.page.getByRole('button', { name: 'Bestätigen' }).click());
    expect(new URL(b.page.url()).pathname).toBe('/');
    await expect(b.page.locator('header').innerText()).resolves.toContain('Kora Koordination');
    await logOut();

    // With a recovery code, typed the way people type it; the start page says how many are left.
    await logInWithPassword(coordinator.email, coordinator.password);
    await b.page.getByLabel('Code', { exact: true }).fill(recoveryCodes[0]!.toLowerCase());
    await b.follow(() => b.page.getByRole('button', { name: 'Bestätigen' }).click());
    expect(new URL(b.page.url()).pathname).toBe('/');
    await expect(b.page.getByRole('status').first().innerText()).resolves.toContain('Es bleiben 9 Codes');
    await logOut();

    // The same recovery code does not work twice.
    await logInWithPassword(coordinator.email, coordinator.password);
    await b.page.getByLabel('Code', { exact: true }).fill(recoveryCodes[0]!);
    await b.follow(() => b.page.getByRole('button', { name: 'Bestätigen' }).click());
    await expect(b.page.getByRole('alert').innerText()).resolves.toContain('Der Code ist nicht gültig');
    // A dozen pages, each checked with axe: more than the default minute on a busy machine.
  }, 240_000);

  it('a participant opts in from the account page by keyboard-reachable links and forms', async () => {
    const participant = await createUser(b.db, { firstName: 'Paula', lastName: 'Teilnehmend' });
    await b.logIn(b.page, participant);
    await b.visit('/account');
    await b.follow(() => b.page.getByRole('link', { name: 'Zweiten Faktor verwalten' }).click());
    await expect(b.page.getByRole('main').innerText()).resolves.toContain('noch kein zweiter Faktor eingerichtet');
    await b.follow(() => b.page.getByRole('link', { name: 'Zweiten Faktor einrichten' }).click());
    const typedKey = ((await b.page.locator('[data-typed-key]').textContent()) ?? '').replace(/\s+/g, '');
    await b.page.getByLabel('Code aus der App').fill(codeForStep(typedKey, stepAt(Date.now())));
    await b.follow(() => b.page.getByRole('button', { name: 'Einrichten' }).click());
    await b.follow(() => b.page.getByRole('link', { name: 'Weiter' }).click());
    expect(new URL(b.page.url()).pathname).toBe('/account/second-factor');
    await expect(b.page.getByRole('main').innerText()).resolves.toContain('Verbleibende Wiederherstellungscodes');
  }, 120_000);
});
