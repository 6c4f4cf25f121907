import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './throwaway-cluster';

export type TestOidcAccount = {
  sub: string;
  login: string;
  password: string;
  email: string;
  email_verified: boolean;
  given_name: string;
  family_name: string;
  groups?: string[];
  organisation?: string;
  /** What the provider reports in the id token's `amr` (default ['pwd']). */
  amr?: string[];
};

export type TestOidcProvider = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The environment that configures this provider in the app as `providerId`. */
  env: (providerId: string, extra?: Record<string, string>) => Record<string, string>;
  /**
   * Acts as the browser at the provider: opens the authorization address, fills in the
   * provider's login form, agrees on its consent page, and returns the address the provider
   * sends the browser back to (the app's callback, with code and state).
   */
  signIn: (authorizationUrl: string, login: string, password: string) => Promise<string>;
  stop: () => Promise<void>;
};

const SERVER = path.join(__dirname, 'oidc-provider-server.mjs');

/** Starts `oidc-provider` in a child process on a free loopback port; one client registered for the app's callback. */
export async function startOidcProvider(options: { baseUrl: string; providerId: string; accounts: TestOidcAccount[] }): Promise<TestOidcProvider> {
  const port = await freePort();
  const clientId = 'kokoma-campus';
  const clientSecret = 'test-client-secret-0123456789';
  const config = {
    port,
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [`${options.baseUrl}/sso/oidc/${options.providerId}/callback`],
        post_logout_redirect_uris: [`${options.baseUrl}/`],
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
    accounts: options.accounts,
  };
  const child: ChildProcess = spawn(process.execPath, [SERVER], { env: { ...process.env, OIDC_TEST_CONFIG: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`OpenID provider did not start: ${output}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`OpenID provider exited (${code}): ${output}`));
    });
  });
  child.removeAllListeners('exit');
  const issuer = `http://127.0.0.1:${port}`;

  async function signIn(authorizationUrl: string, login: string, password: string): Promise<string> {
    const cookies = new Map<string, string>();
    const remember = (response: Response) => {
      for (const cookie of response.headers.getSetCookie()) {
        const [pair] = cookie.split(';');
        const at = pair!.indexOf('=');
        cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
      }
    };
    const cookieHeader = () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    let url = authorizationUrl;
    let form: Record<string, string> | undefined;
    for (let step = 0; step < 12; step++) {
      if (!url.startsWith(issuer)) return url;
      const response = await fetch(url, {
        method: form ? 'POST' : 'GET',
        redirect: 'manual',
        headers: { cookie: cookieHeader(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body: form ? new URLSearchParams(form).toString() : undefined,
      });
      remember(response);
      form = undefined;
      const location = response.headers.get('location');
      if (location) {
        url = new URL(location, url).href;
        continue;
      }
      const html = await response.text();
      if (response.status !== 200) throw new Error(`provider answered ${response.status}: ${html}`);
      const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
      if (!action) throw new Error(`no form on the provider's page: ${html}`);
      url = new URL(action, issuer).href;
      form = action.endsWith('/login') ? { login, password } : {};
    }
    throw new Error('the provider did not send the browser back');
  }

  return {
    issuer,
    clientId,
    clientSecret,
    env: (providerId, extra = {}) => {
      const prefix = `OIDC_${providerId.toUpperCase().replace(/-/g, '_')}_`;
      return { [`${prefix}ISSUER`]: issuer, [`${prefix}CLIENT_ID`]: clientId, [`${prefix}CLIENT_SECRET`]: clientSecret, ...extra };
    },
    signIn,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
