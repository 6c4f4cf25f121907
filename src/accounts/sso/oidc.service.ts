import * as client from 'openid-client';
import type { Logger } from 'pino';
import type { OidcProviderSettings } from './sso.config';
import { organisationFor, roleFromGroups, type ExternalProfile } from './external-identities.service';

/** What the login needs to remember between the redirect to the provider and the way back (kept in the session, PostgreSQL). */
export type PendingOidcLogin = { provider: string; state: string; nonce: string; codeVerifier: string; returnTo: string; startedAt: number };

export type OidcResult = {
  profile: ExternalProfile;
  /** The provider asked a second factor itself (its `amr` names a configured value). */
  secondFactorByProvider: boolean;
  /** For RP-initiated logout (id_token_hint). */
  idToken: string;
};

/** Why an OpenID Connect login did not work, for the message on the login page. */
export class OidcFailure extends Error {
  constructor(
    readonly reason: 'unavailable' | 'rejected' | 'cancelled' | 'expired',
    cause?: unknown,
  ) {
    super(`OpenID Connect login failed: ${reason}`, { cause });
  }
}

/** A pending login older than this is not finished: the person should start again. */
const PENDING_MAX_AGE_MS = 10 * 60 * 1000;
const DISCOVERY_TIMEOUT_SECONDS = 5;

/** Network trouble (refused, unknown host, timeout) rather than an answer: the provider is down. */
function isUnreachable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 6; current = (current as { cause?: unknown }).cause, depth++) {
    const { code, name, message } = current as { code?: string; name?: string; message?: string };
    if (code && ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET'].includes(code)) return true;
    if (name === 'TimeoutError' || name === 'AbortError' || message === 'fetch failed') return true;
  }
  return false;
}

const asStrings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : typeof value === 'string' ? [value] : []);
const asString = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/**
 * OpenID Connect, authorization code flow with PKCE (S256), state and nonce, by openid-client.
 * The providers' metadata is discovered on first use and cached per instance (it is public and
 * the same for every instance); a failed discovery is tried again on the next login, so a
 * provider that was down at start does not need a restart.
 */
export function createOidc(providers: readonly OidcProviderSettings[], baseUrl: string, logger: Logger) {
  const discovered = new Map<string, Promise<client.Configuration>>();

  function configurationOf(provider: OidcProviderSettings): Promise<client.Configuration> {
    let configuration = discovered.get(provider.id);
    if (!configuration) {
      const execute = provider.allowHttp ? [client.allowInsecureRequests] : [];
      configuration = client.discovery(new URL(provider.issuer), provider.clientId, provider.clientSecret, undefined, { execute, timeout: DISCOVERY_TIMEOUT_SECONDS });
      discovered.set(provider.id, configuration);
      configuration.catch(() => discovered.delete(provider.id));
    }
    return configuration;
  }

  const redirectUri = (provider: OidcProviderSettings) => `${baseUrl}/sso/oidc/${provider.id}/callback`;

  function failure(provider: OidcProviderSettings, stage: string, error: unknown): OidcFailure {
    if (error instanceof OidcFailure) return error;
    const unreachable = isUnreachable(error);
    // Operators need the library's reason; it names no person and no secret.
    logger.warn({ provider: provider.id, stage, err: error }, unreachable ? 'identity provider unreachable' : 'identity provider answer refused');
    return new OidcFailure(unreachable ? 'unavailable' : 'rejected', error);
  }

  return {
    providers,
    find: (id: string) => providers.find((provider) => provider.id === id),

    /** The address of the provider's login page, and what to remember until the person comes back. */
    async begin(provider: OidcProviderSettings, returnTo: string): Promise<{ url: string; pending: PendingOidcLogin }> {
      let configuration: client.Configuration;
      try {
        configuration = await configurationOf(provider);
      } catch (error) {
        throw failure(provider, 'discovery', error);
      }
      const codeVerifier = client.randomPKCECodeVerifier();
      const pending: PendingOidcLogin = { provider: provider.id, state: client.randomState(), nonce: client.randomNonce(), codeVerifier, returnTo, startedAt: Date.now() };
      const url = client.buildAuthorizationUrl(configuration, {
        redirect_uri: redirectUri(provider),
        scope: provider.scopes,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url: url.href, pending };
    },

    /**
     * The way back: the code is exchanged (with the PKCE verifier) only when the state matches
     * what this session started; the id token must carry this session's nonce. A callback
     * without a pending login (forged, replayed, or another browser's) is refused.
     */
    async finish(provider: OidcProviderSettings, callbackUrl: URL, pending: PendingOidcLogin | undefined): Promise<OidcResult> {
      if (!pending || pending.provider !== provider.id || Date.now() - pending.startedAt > PENDING_MAX_AGE_MS) throw new OidcFailure('expired');
      if (callbackUrl.searchParams.get('error') === 'access_denied' && callbackUrl.searchParams.get('state') === pending.state) throw new OidcFailure('cancelled');
      try {
        const configuration = await configurationOf(provider);
        const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        const idClaims = tokens.claims()!;
        // Providers put e-mail, names and groups in the id token or only in userinfo (oidc-provider, Entra ID).
        const userinfo = await client.fetchUserInfo(configuration, tokens.access_token, idClaims.sub);
        const claims: Record<string, unknown> = { ...idClaims, ...userinfo };
        const email = asString(claims.email)?.toLowerCase();
        const amr = asStrings(idClaims.amr);
        return {
          profile: {
            provider: `oidc:${provider.id}`,
            subject: idClaims.sub,
            email,
            emailVerified: claims.email_verified === true || claims.email_verified === 'true',
            firstName: asString(claims.given_name),
            lastName: asString(claims.family_name),
            organisationName: organisationFor(provider.organisationClaim ? asString(claims[provider.organisationClaim]) : undefined, email, provider.organisationByDomain),
            role: roleFromGroups(asStrings(claims[provider.groupsClaim]), provider.roleGroups),
          },
          secondFactorByProvider: amr.some((value) => provider.secondFactorAmr.includes(value)),
          idToken: tokens.id_token!,
        };
      } catch (error) {
        throw failure(provider, 'callback', error);
      }
    },

    /** The provider's end-session address (RP-initiated logout), or undefined when it offers none or cannot be reached. */
    async logoutUrl(provider: OidcProviderSettings, idToken: string | undefined): Promise<string | undefined> {
      try {
        const configuration = await configurationOf(provider);
        if (!configuration.serverMetadata().end_session_endpoint) return undefined;
        // openid-client adds client_id, which is how the provider knows the client without the id token.
        return client.buildEndSessionUrl(configuration, { ...(idToken ? { id_token_hint: idToken } : {}), post_logout_redirect_uri: `${baseUrl}/` }).href;
      } catch (error) {
        failure(provider, 'logout', error);
        return undefined;
      }
    },
  };
}

export type Oidc = ReturnType<typeof createOidc>;
