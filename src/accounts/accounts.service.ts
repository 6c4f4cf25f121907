import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { isUniqueViolation } from '../db/errors';
import { recordAudit, type Actor } from '../audit/audit.service';
import { composeMail, greetingNameOf } from '../mail/compose';
import type { Outbox } from '../mail/outbox.service';
import type { Locale } from '../i18n/i18n';
import { Invalid } from '../shared/errors';
import * as queries from './accounts.queries';
import { findOrganisation } from './organisations.queries';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords';
import { passwordProblem } from './password-policy';
import { createLoginThrottle, LOCK_AFTER_FAILURES, LOCK_SECONDS } from './login-throttle';
import { hashToken, newSecretToken } from './tokens';
import { createPasswordResetRequests } from './password-reset-requests';
import { invitationLinkState } from './invitations.service';
import type { RegistrationInput } from './accounts.schemas';
import type { SessionUser } from './roles';

export type AccountsDeps = { db: Database; outbox: Outbox; config: Config; logger: Logger };

export type LoginOutcome =
  | { ok: true; user: SessionUser }
  | { ok: false; reason: 'invalid' | 'inactive' | 'unverified' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

const VERIFICATION_TTL_HOURS = 48;

type MailUser = Pick<queries.UserRow, 'id' | 'email' | 'first_name' | 'last_name' | 'locale' | 'email_verified_at'>;

/**
 * A name is only used in a greeting once its owner has proven the address: anybody can
 * register any address with any "first name", and that text must not reach the inbox of
 * the address' real owner in an official mail.
 */
const greetingName = (user: MailUser) => (user.email_verified_at ? greetingNameOf({ firstName: user.first_name, lastName: user.last_name }) : undefined);

/** Refuses a new password that is short or guessable, also from the person's own name and address. */
function assertAcceptablePassword(password: string, user: Pick<MailUser, 'email' | 'first_name' | 'last_name'>): void {
  const problem = passwordProblem(password, [user.first_name, user.last_name, user.email]);
  if (problem) throw new Invalid({ password: problem });
}

export function createAccountsService({ db, outbox, config, logger }: AccountsDeps) {
  const link = (pathname: string) => `${config.baseUrl}${pathname}`;
  const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 60 * 60 * 1000);
  const throttle = createLoginThrottle(db);
  const resetRequests = createPasswordResetRequests({ db, outbox, config });

  async function queueVerificationMail(trx: Knex | Knex.Transaction, user: { id: number; email: string; locale: Locale }) {
    const { token, tokenHash } = newSecretToken();
    await queries.insertAccountToken(trx, { user_id: user.id, purpose: 'email_verification', token_hash: tokenHash, expires_at: hoursFromNow(VERIFICATION_TTL_HOURS) });
    const mail = await composeMail(user.email, user.locale, {
      key: 'mail.verifyEmail',
      params: { hours: VERIFICATION_TTL_HOURS, region: config.region.name },
      actionUrl: link(`/register/verify/${token}`),
    });
    await outbox.queue(trx, [mail]);
  }

  /** Tells the holder once per lock, in their language, so an attack on their account does not go unnoticed. */
  async function queueLockMail(user: MailUser): Promise<void> {
    const mail = await composeMail(user.email, user.locale, {
      key: 'mail.loginLocked',
      params: { name: greetingName(user), attempts: LOCK_AFTER_FAILURES, minutes: Math.round(LOCK_SECONDS / 60), region: config.region.name },
      actionUrl: link('/password/forgot'),
    });
    await outbox.queue(db, [mail]);
  }

  /** Checks a new password against the person the link belongs to; an unusable link is left to the caller. */
  async function assertAcceptableForToken(purpose: queries.TokenPurpose, token: string, password: string): Promise<void> {
    const owner = await queries.findUsableAccountToken(db, purpose, hashToken(token));
    const user = owner ? await queries.findUserById(db, owner.user_id) : undefined;
    if (user) assertAcceptablePassword(password, user);
  }

  return {
    /**
     * Self-registration. The page afterwards is the same whether or not the address
     * already had an account (no enumeration): a new account gets a confirmation link,
     * an existing one a note that it already exists. Both mails go through the outbox,
     * so neither path waits for the mail server.
     */
    async register(input: RegistrationInput, locale: Locale, actor: Actor): Promise<void> {
      const organisation = await findOrganisation(db, input.organisationId);
      if (!organisation || !organisation.active) throw new Invalid({ organisationId: 'validation.selectOne' });
      const passwordHash = await hashPassword(input.password);
      try {
        await db.transaction(async (trx) => {
          const id = await queries.insertUser(trx, {
            email: input.email,
            first_name: input.firstName,
            last_name: input.lastName,
            organisation_id: organisation.id,
            department: input.department || null,
            role: 'participant',
            password_hash: passwordHash,
            locale,
            email_verified_at: null,
          });
          await recordAudit(trx, { ...actor, userId: id }, {
            action: 'account.registered',
            subjectType: 'user',
            subjectId: id,
            after: { email: input.email, organisationId: organisation.id, role: 'participant' },
          });
          await queueVerificationMail(trx, { id, email: input.email, locale });
        });
      } catch (error) {
        if (!isUniqueViolation(error, 'users_email_unique')) throw error;
        const existing = await queries.findUserByEmail(db, input.email);
        if (!existing) return;
        const mail = await composeMail(existing.email, existing.locale, {
          key: 'mail.alreadyRegistered',
          params: { region: config.region.name },
          actionUrl: link('/password/forgot'),
        });
        await outbox.queue(db, [mail]);
      }
    },

    async verifyEmail(token: string, actor: Actor): Promise<boolean> {
      return db.transaction(async (trx) => {
        const claimed = await queries.claimAccountToken(trx, 'email_verification', hashToken(token));
        if (!claimed) return false;
        await queries.updateUser(trx, claimed.user_id, { email_verified_at: new Date() });
        await recordAudit(trx, { ...actor, userId: claimed.user_id }, { action: 'account.email_verified', subjectType: 'user', subjectId: claimed.user_id });
        return true;
      });
    },

    async authenticate(email: string, password: string, actor: Actor): Promise<LoginOutcome> {
      const allowed = await throttle.check(email, actor.ip);
      if (!allowed.allowed) {
        // What was typed stays out of the trail (it may be a password typed into the wrong field): the account, if any, is the subject.
        const throttledUser = await queries.findUserByEmail(db, email);
        await recordAudit(db, actor, { action: 'login.failed', subjectType: throttledUser ? 'user' : undefined, subjectId: throttledUser?.id, after: { reason: 'throttled' } });
        return { ok: false, reason: 'throttled', retryAfterSeconds: allowed.retryAfterSeconds };
      }
      const user = await queries.findUserByEmail(db, email);
      const passwordMatches = user ? await verifyPassword(user.password_hash, password) : await verifyAgainstDummy(password);
      let outcome: LoginOutcome;
      if (!user || !passwordMatches) outcome = { ok: false, reason: 'invalid' };
      else if (!user.active) outcome = { ok: false, reason: 'inactive' };
      else if (!user.email_verified_at) outcome = { ok: false, reason: 'unverified' };
      else
        outcome = {
          ok: true,
          user: { id: user.id, email: user.email, firstName: user.first_name, lastName: user.last_name, role: user.role, locale: user.locale, organisationId: user.organisation_id },
        };
      // Only guessing counts: whoever knows the password starts afresh.
      if (passwordMatches) await throttle.recordSuccess(email);
      else {
        const { locked } = await throttle.recordFailure(email, actor.ip);
        if (locked) {
          // Operators see attacks on accounts; the typed address stays out of the log.
          logger.warn({ userId: user?.id ?? null, ip: actor.ip }, 'login locked after repeated failures');
          if (user) await queueLockMail(user);
        }
      }
      if (!outcome.ok) {
        await recordAudit(db, actor, {
          action: 'login.failed',
          subjectType: user ? 'user' : undefined,
          subjectId: user?.id,
          // Never what was typed: without an account it may be anything, even a password.
          after: { reason: outcome.reason },
        });
        // Whoever knows the password may ask for a fresh link simply by logging in again.
        if (outcome.reason === 'unverified' && user) await queueVerificationMail(db, user);
      }
      return outcome;
    },

    async recordLogin(userId: number, actor: Actor): Promise<void> {
      await queries.updateUser(db, userId, { last_login_at: new Date() });
      await recordAudit(db, { ...actor, userId }, { action: 'login', subjectType: 'user', subjectId: userId });
    },

    async recordLogout(userId: number, actor: Actor): Promise<void> {
      await recordAudit(db, { ...actor, userId }, { action: 'logout', subjectType: 'user', subjectId: userId });
    },

    /**
     * Answers the same way, in the same time, for every address: the request is stored as a
     * row (see password-reset-requests.ts) and handled in the background, where only an
     * existing, active account gets a mail.
     */
    async requestPasswordReset(email: string, actor: Actor): Promise<void> {
      await resetRequests.request(email, actor);
    },

    async isResetTokenUsable(token: string): Promise<boolean> {
      return !!(await queries.findUsableAccountToken(db, 'password_reset', hashToken(token)));
    },

    /** Single use: the token is claimed in the same transaction that sets the password; all sessions end. */
    async resetPassword(token: string, password: string, actor: Actor): Promise<boolean> {
      await assertAcceptableForToken('password_reset', token, password);
      const passwordHash = await hashPassword(password);
      return db.transaction(async (trx) => {
        const claimed = await queries.claimAccountToken(trx, 'password_reset', hashToken(token));
        if (!claimed) return false;
        const user = await queries.findUserById(trx, claimed.user_id);
        if (!user || !user.active) return false;
        // Following the mailed link proves the address, like the confirmation link would.
        await queries.updateUser(trx, user.id, { password_hash: passwordHash, email_verified_at: user.email_verified_at ?? new Date() });
        await queries.expireAccountTokens(trx, user.id, ['password_reset']);
        await queries.deleteSessionsOfUser(trx, user.id);
        await recordAudit(trx, { ...actor, userId: user.id }, { action: 'password_reset.completed', subjectType: 'user', subjectId: user.id });
        return true;
      });
    },

    invitationLinkState: (token: string) => invitationLinkState(db, token),

    /**
     * An invited person sets their first password. Like a reset link, the mailed link
     * proves the address; the token is claimed in the same transaction, so it works once.
     */
    async acceptInvitation(token: string, password: string, actor: Actor): Promise<boolean> {
      await assertAcceptableForToken('invitation', token, password);
      const passwordHash = await hashPassword(password);
      return db.transaction(async (trx) => {
        const claimed = await queries.claimAccountToken(trx, 'invitation', hashToken(token));
        if (!claimed) return false;
        const user = await queries.findUserById(trx, claimed.user_id);
        if (!user || !user.active) return false;
        await queries.updateUser(trx, user.id, { password_hash: passwordHash, email_verified_at: user.email_verified_at ?? new Date() });
        await queries.expireAccountTokens(trx, user.id, ['invitation', 'email_verification', 'password_reset']);
        await queries.deleteSessionsOfUser(trx, user.id);
        await recordAudit(trx, { ...actor, userId: user.id }, { action: 'account.invitation_accepted', subjectType: 'user', subjectId: user.id });
        return true;
      });
    },

    async changePassword(userId: number, currentPassword: string, newPassword: string, currentSid: string, actor: Actor): Promise<void> {
      const user = await queries.findUserById(db, userId);
      // Both problems at once: a wrong current password and a guessable new one.
      const problems: Record<string, string> = {};
      if (!user || !(await verifyPassword(user.password_hash, currentPassword))) problems.currentPassword = 'validation.currentPasswordWrong';
      const weakness = user ? passwordProblem(newPassword, [user.first_name, user.last_name, user.email]) : undefined;
      if (weakness) problems.password = weakness;
      if (!user || Object.keys(problems).length > 0) throw new Invalid(problems);
      const passwordHash = await hashPassword(newPassword);
      await db.transaction(async (trx) => {
        await queries.updateUser(trx, userId, { password_hash: passwordHash });
        await queries.deleteSessionsOfUser(trx, userId, currentSid);
        await recordAudit(trx, actor, { action: 'password.changed', subjectType: 'user', subjectId: userId });
      });
    },

    async setLocale(userId: number, locale: Locale): Promise<void> {
      await queries.updateUser(db, userId, { locale });
    },

    async getProfile(userId: number) {
      const user = await queries.findUserById(db, userId);
      if (!user) return undefined;
      const organisation = user.organisation_id ? await findOrganisation(db, user.organisation_id) : undefined;
      return { ...user, organisation_name: organisation?.name ?? null };
    },

    findSessionUser: (id: number) => queries.findSessionUser(db, id),
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
