// A real OpenID provider for the tests (the certified `oidc-provider` package), run as a child
// process on a loopback port: ESM, and kept out of Jest's module system. Configuration comes
// as JSON in OIDC_TEST_CONFIG: { port, clients: [...], accounts: [{ sub, login, password,
// email, email_verified, given_name, family_name, groups, organisation, amr }] }.
// Its own login page and consent page are plain forms (no dev interactions), so HTTP tests and
// the browser test walk through them like a person would.
import http from 'node:http';
import process from 'node:process';
import { URLSearchParams } from 'node:url';
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG ?? '{}');
const issuer = `http://127.0.0.1:${config.port}`;
const accounts = new Map(config.accounts.map((account) => [account.sub, account]));

const provider = new Provider(issuer, {
  clients: config.clients,
  cookies: { keys: ['test-only-cookie-key-0123456789abcdef'] },
  claims: {
    acr: null,
    auth_time: null,
    iss: null,
    sid: null,
    // amr with the always-granted scope, so the id token says how the person logged in.
    openid: ['sub', 'amr', 'groups', 'organisation'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'family_name', 'name'],
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      // The provider's own confirmation page, in plain accessible HTML like its login page.
      logoutSource: async (ctx, form) => {
        ctx.body = page('Abmelden beim Test-Anmeldedienst', `${form}<p>Möchten Sie sich auch beim Anmeldedienst abmelden?</p><button type="submit" form="op.logoutForm" value="yes" name="logout">Ja, abmelden</button>`);
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = page('Abgemeldet', '<p>Sie sind beim Test-Anmeldedienst abgemeldet.</p>');
      },
    },
  },
  pkce: { required: () => true },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (_ctx, sub) => {
    const account = accounts.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      claims: async () => ({
        sub,
        email: account.email,
        email_verified: account.email_verified,
        given_name: account.given_name,
        family_name: account.family_name,
        name: `${account.given_name} ${account.family_name}`,
        groups: account.groups ?? [],
        organisation: account.organisation,
      }),
    };
  },
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) =>
  `<!doctype html><html lang="de"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${escape(title)}</title></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;

async function formBody(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return Object.fromEntries(new URLSearchParams(raw));
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  const send = (status, html) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  };
  if (req.method === 'GET' && details.prompt.name === 'login') {
    return send(
      200,
      page(
        'Anmeldung beim Test-Anmeldedienst',
        `<form method="post" action="/interaction/${uid}/login">
           <label for="login">Benutzername</label> <input id="login" name="login" autocomplete="username">
           <label for="password">Passwort</label> <input id="password" name="password" type="password">
           <button type="submit">Anmelden</button></form>`,
      ),
    );
  }
  if (req.method === 'GET') {
    return send(200, page('Zustimmung', `<p>${escape(details.params.client_id)} möchte Ihre Angaben lesen.</p><form method="post" action="/interaction/${uid}/confirm"><button type="submit">Zustimmen</button></form>`));
  }
  const body = await formBody(req);
  if (action === 'login') {
    const account = [...accounts.values()].find((candidate) => candidate.login === body.login && candidate.password === body.password);
    if (!account) return send(401, page('Anmeldung fehlgeschlagen', '<p>Benutzername oder Passwort falsch.</p>'));
    return provider.interactionFinished(req, res, { login: { accountId: account.sub, amr: account.amr ?? ['pwd'] } }, { mergeWithLastSubmission: false });
  }
  if (action === 'confirm') {
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    if (details.prompt.details.missingOIDCScope) grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(' '));
    if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  send(404, page('Nicht gefunden', ''));
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  const match = /^\/interaction\/([^/?]+)(?:\/(login|confirm))?/.exec(req.url ?? '');
  if (!match) return callback(req, res);
  interaction(req, res, match[1], match[2]).catch((error) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error?.message ?? error));
  });
});
server.listen(config.port, '127.0.0.1', () => process.stdout.write(`listening ${issuer}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
