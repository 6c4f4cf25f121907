import { Router } from 'express';
import { validateForm, type FormPage } from '../../http/forms';
import { safeReturnPath } from '../../http/guards';
import { loginSchema } from '../accounts.schemas';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import type { Database } from '../../db/database';
import type { AccountsService } from '../accounts.service';
import { createExternalIdentities } from './external-identities.service';
import { createLdapLogin, isDirectoryAddress } from './ldap.service';
import { createOidc } from './oidc.service';
import { createSsoHandlers, type SsoHandlers } from './sso.handlers';

const loginPage: FormPage = {
  view: 'accounts/login',
  titleKey: 'accounts.login.title',
  locals: (req) => ({ next: safeReturnPath(req.query.next ?? req.body?.next, '') }),
};

/**
 * Single sign-on. Mounted before the accounts router: POST /login takes the addresses of the
 * directory's domains (LDAP) and passes every other to the local login; POST /logout takes
 * the logouts after an OpenID login with RP-initiated logout and passes the others on.
 */
export function ssoRouter(handlers: SsoHandlers, isDirectoryAddress: (email: unknown) => boolean): Router {
  const router = Router();
  router.use(handlers.providerButtons);
  router.post('/sso/oidc/:provider', handlers.startOidc);
  router.get('/sso/oidc/:provider/callback', handlers.oidcCallback);
  // Failed directory logins are throttled like local ones (login-throttle.ts), in the LDAP service.
  router.post('/login', handlers.directoryAddressesOnly(isDirectoryAddress), validateForm(loginSchema, loginPage), handlers.ldapLogin);
  router.post('/logout', handlers.logout);
  return router;
}

/** Single sign-on as app.ts mounts it: OpenID Connect providers and the LDAP directory from config.sso. */
export function createSso(deps: { config: Config; db: Database; logger: Logger; accounts: AccountsService }): Router {
  const { config, db, logger, accounts } = deps;
  const { ldap: ldapSettings } = config.sso;
  const handlers = createSsoHandlers({
    config,
    accounts,
    identities: createExternalIdentities(db),
    oidc: createOidc(config.sso.oidc, config.baseUrl, logger),
    ldap: ldapSettings ? createLdapLogin(db, ldapSettings, logger) : undefined,
  });
  return ssoRouter(handlers, (email) => isDirectoryAddress(ldapSettings, email));
}
