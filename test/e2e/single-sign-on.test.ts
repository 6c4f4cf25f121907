import { createServer, connect, type Server } from 'node:net';
import { useBrowserApp } from '../support/browser';
import { startLdapServer, type TestLdapPerson, type TestLdapServer } from '../support/ldap-server';
import { startOidcProvider, type TestOidcAccount, type TestOidcProvider } from '../support/oidc-provider';
import { freePort } from '../support/throwaway-cluster';

const greta: TestOidcAccount = {
  sub: 'kc-5e77-greta',
  login: 'greta',
  password: 'greta-geheim',
  email: 'greta.sommer@bergheide.example',
  email_verified: true,
  given_name: 'Greta',
  family_name: 'Sommer',
};
const lena: TestLdapPerson = { uid: 'lvogt', mail: 'lena.vogt@kreis-musterland.example', givenName: 'Lena', sn: 'Vogt', password: 'Lena-Verzeichnis-1' };

/**
 * The provider sends the browser back to BASE_URL, which must be known before the app
 * listens on its free port: BASE_URL names a port of our own that forwards to the app.
 * Cookies do not depend on the port, so the session started on the app's port comes along.
 */
function forward(fromPort: number, toPort: () => number): Promise<Server> {
  const server = createServer((socket) => {
    const target = connect(toPort(), '127.0.0.1');
    socket.pipe(target).pipe(socket);
    socket.on('error', () => target.destroy());
    target.on('error', () => socket.destroy());
  });
  return new Promise((resolve) => server.listen(fromPort, '127.0.0.1', () => resolve(server)));
}

describe('single sign-on in the browser', () => {
  let provider: TestOidcProvider;
  let directory: TestLdapServer;
  let forwarder: Server;
  let forwardPort = 0;
  const overrides: Record<string, string> = {};
  beforeAll(async () => {
    forwardPort = await freePort();
    const baseUrl = `http://127.0.0.1:${forwardPort}`;
    provider = await startOidcProvider({ baseUrl, providerId: 'keycloak', accounts: [greta] });
    directory = await startLdapServer([lena]);
    Object.assign(overrides, {
      BASE_URL: baseUrl,
      OIDC_PROVIDERS: 'keycloak',
      ...provider.env('keycloak'),
      OIDC_KEYCLOAK_LABEL: 'Verwaltungskonto Bergheide',
      OIDC_KEYCLOAK_ORGANISATION_DOMAINS: 'bergheide.example=Stadt Bergheide',
      ...directory.env({ LDAP_DOMAINS: 'kreis-musterland.example', LDAP_ORGANISATION_DOMAINS: 'kreis-musterland.example=Landratsamt Musterland' }),
    });
  });
  const b = useBrowserApp(overrides);
  beforeAll(async () => {
    forwarder = await forward(forwardPort, () => Number(new URL(b.origin).port));
  });
  afterAll(async () => {
    await new Promise((resolve) => forwarder.close(resolve));
    await provider.stop();
    await directory.stop();
  });

  it('logs in through the OpenID provider’s login and consent pages and lands on the start page, then logs out there too', async () => {
    await b.visit('/login');
    await b.follow(() => b.page.getByRole('button', { name: 'Anmelden mit Verwaltungskonto Bergheide' }).click());
    expect(b.page.url().startsWith(provider.issuer)).toBe(true);
    await b.page.getByLabel('Benutzername').fill(greta.login);
    await b.page.getByLabel('Passwort').fill(greta.password);
    await b.follow(() => b.page.getByRole('button', { name: 'Anmelden' }).click());
    await b.follow(() => b.page.getByRole('button', { name: 'Zustimmen' }).click());
    expect(new URL(b.page.url()).pathname).toBe('/');
    await expect(b.page.locator('header').innerText()).resolves.toContain('Angemeldet als Greta Sommer');
    await b.screenshot('sso-oidc-start');

    // Logging out ends the provider's session too: its end-session page asks to confirm.
    await b.follow(() => b.page.locator('header').getByRole('button', { name: 'Abmelden' }).click());
    expect(b.page.url().startsWith(`${provider.issuer}/session/end`)).toBe(true);
    await b.follow(() => b.page.getByRole('button', { name: 'Ja, abmelden' }).click());
    // Back on the start page, logged out.
    expect(new URL(b.page.url()).pathname).toBe('/');
    await expect(b.page.locator('main').innerText()).resolves.toContain('Sie wurden abgemeldet.');
    await expect(b.page.locator('header').innerText()).resolves.not.toContain('Angemeldet als');
  });

  it('logs a person of the directory in through the one login form', async () => {
    await b.visit('/login');
    await b.page.getByLabel('E-Mail-Adresse').fill(lena.mail);
    await b.page.getByLabel('Passwort', { exact: true }).fill(lena.password);
    await b.follow(() => b.page.getByRole('button', { name: 'Anmelden', exact: true }).click());
    expect(new URL(b.page.url()).pathname).toBe('/');
    await expect(b.page.locator('header').innerText()).resolves.toContain('Angemeldet als Lena Vogt');
  });

  it('shows a wrong directory password on the form with its error summary', async () => {
    await b.visit('/login');
    await b.page.getByLabel('E-Mail-Adresse').fill(lena.mail);
    await b.page.getByLabel('Passwort', { exact: true }).fill('falsch');
    await b.follow(() => b.page.getByRole('button', { name: 'Anmelden', exact: true }).click());
    await expect(b.page.getByRole('alert').innerText()).resolves.toContain('E-Mail oder Passwort falsch');
  });
});
