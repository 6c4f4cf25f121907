import QRCode from 'qrcode';
import type { Config } from '../../config';
import type { Knex } from 'knex';
import type { Database } from '../../db/database';
import { composeMail, greetingNameOf } from '../../mail/compose';
import type { Outbox } from '../../mail/outbox.service';
import { recordAudit, type Actor } from '../../audit/audit.service';
import { Conflict, Invalid, NotFound } from '../../shared/errors';
import { deleteSessionsOfUser, findUserById } from '../accounts.queries';
import { assertCan } from '../permissions';
import type { SessionUser } from '../roles';
import { createCodeThrottle } from './code-throttle';
import { decryptSecret, encryptSecret, hashRecoveryCode, looksLikeRecoveryCode, newRecoveryCodes, secondFactorKeys } from './second-factor.crypto';
import * as queries from './second-factor.queries';
import { secondFactorRequired } from './second-factor.rules';
import { groupedSecret, matchingStep, newTotpSecret, otpauthUri } from './totp';

export type SetupOffer = {
  /** The new key, encrypted for this account: travels in the form, so nothing is stored before it is confirmed. */
  sealedSecret: string;
  /** The key for typing, in groups of four. */
  typedKey: string;
  accountName: string;
  /** A PNG data: URL (allowed by our CSP) with the otpauth:// address. */
  qrCode: string;
};

export type CodeOutcome = { ok: true; kind: 'totp' | 'recovery'; codesLeft?: number } | { ok: false; reason: 'wrong' } | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/**
 * The second factor (issue 16): TOTP with an authenticator app and ten one-time recovery
 * codes. The TOTP key is never logged and stored only encrypted; a code is accepted once
 * (last used step), a recovery code once (spent in one UPDATE). Every function checks the
 * acting person itself.
 */
export function createSecondFactorService(deps: { db: Database; config: Pick<Config, 'secondFactorSecret' | 'baseUrl'>; outbox: Pick<Outbox, 'queue'> }) {
  const { db, outbox } = deps;
  const keys = secondFactorKeys(deps.config.secondFactorSecret);
  const throttle = createCodeThrottle(db);

  /**
   * The person hears of every change to their second factor (in the change's transaction,
   * through the outbox): if it was not them, they know their password is known to someone.
   */
  async function notify(trx: Knex.Transaction, userId: number, key: string, params: Record<string, unknown> = {}): Promise<void> {
    const person = await findUserById(trx, userId);
    if (!person) return;
    const mail = await composeMail(person.email, person.locale, {
      key: `secondFactor.mail.${key}`,
      params: { name: greetingNameOf({ firstName: person.first_name, lastName: person.last_name }), ...params },
      actionUrl: `${deps.config.baseUrl}/account/second-factor`,
      userId: person.id,
    });
    await outbox.queue(trx, [mail]);
  }

  const codesFor = (userId: number) => {
    const codes = newRecoveryCodes();
    return { codes, hashes: codes.map((code) => hashRecoveryCode(keys, userId, code)) };
  };

  return {
    async hasSecondFactor(userId: number): Promise<boolean> {
      return (await queries.findSecondFactor(db, userId)) !== undefined;
    },

    /** What the account page shows: set up since, recovery codes left, and whether it may be switched off. */
    async status(user: SessionUser) {
      const row = await queries.secondFactorStatus(db, user.id);
      return { enabled: row !== undefined, since: row?.confirmed_at ?? null, codesLeft: row?.codes_left ?? 0, required: secondFactorRequired(user.role) };
    },

    /** A fresh key for the setup page; nothing is stored until a code from it is confirmed. */
    async offerSetup(user: SessionUser, sealedSecret?: string): Promise<SetupOffer> {
      // A form sent back with a wrong code keeps its key: the person has already scanned it.
      const kept = sealedSecret ? decryptSecret(keys, user.id, sealedSecret) : null;
      const secret = kept ?? newTotpSecret();
      return {
        sealedSecret: kept ? sealedSecret! : encryptSecret(keys, user.id, secret),
        typedKey: groupedSecret(secret),
        accountName: user.email,
        qrCode: await QRCode.toDataURL(otpauthUri(user.email, secret), { errorCorrectionLevel: 'M', margin: 2, scale: 5 }),
      };
    },

    /**
     * Sets up (or replaces) the person's authenticator app once a code from the offered key is
     * right; returns the ten recovery codes, shown this once.
     */
    async confirmSetup(user: SessionUser, sealedSecret: string, code: string, actor: Actor): Promise<string[]> {
      const secret = decryptSecret(keys, user.id, sealedSecret);
      if (!secret) throw new Invalid({ code: 'secondFactor.errors.setupExpired' });
      const step = matchingStep(secret, code);
      if (step === null) throw new Invalid({ code: 'secondFactor.errors.codeWrong' });
      const { codes, hashes } = codesFor(user.id);
      await db.transaction(async (trx) => {
        const replaced = (await queries.findSecondFactor(trx, user.id)) !== undefined;
        const now = new Date();
        await queries.upsertSecondFactor(trx, user.id, encryptSecret(keys, user.id, secret), step, now);
        await queries.replaceRecoveryCodes(trx, user.id, hashes, now);
        await recordAudit(trx, actor, { action: 'second_factor.set_up', subjectType: 'user', subjectId: user.id, after: { method: 'totp', replaced } });
        await notify(trx, user.id, 'setUp');
      });
      return codes;
    },

    /**
     * A code typed at login: six digits from the app (each accepted once), or a recovery code
     * (spent). Wrong codes are counted per account and per address.
     */
    async verifyLoginCode(userId: number, typed: string, actor: Actor): Promise<CodeOutcome> {
      const check = await throttle.check(userId, actor.ip);
      if (!check.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: check.retryAfterSeconds };
      const factor = await queries.findSecondFactor(db, userId);
      if (factor) {
        const secret = decryptSecret(keys, userId, factor.totp_secret_encrypted);
        const step = secret ? matchingStep(secret, typed) : null;
        if (step !== null && (await queries.takeStep(db, userId, step))) {
          await throttle.recordSuccess(userId);
          return { ok: true, kind: 'totp' };
        }
        if (step === null && looksLikeRecoveryCode(typed)) {
          const spent = await db.transaction(async (trx) => {
            if (!(await queries.spendRecoveryCode(trx, userId, hashRecoveryCode(keys, userId, typed), new Date()))) return null;
            const codesLeft = await queries.countUnusedRecoveryCodes(trx, userId);
            await recordAudit(trx, actor, { action: 'second_factor.recovery_code_used', subjectType: 'user', subjectId: userId, after: { codesLeft } });
            await notify(trx, userId, 'recoveryCodeUsed', { count: codesLeft });
            return codesLeft;
          });
          if (spent !== null) {
            await throttle.recordSuccess(userId);
            return { ok: true, kind: 'recovery', codesLeft: spent };
          }
        }
      }
      await throttle.recordWrongCode(userId, actor.ip);
      return { ok: false, reason: 'wrong' };
    },

    /** Ten new recovery codes; the old ones stop working. */
    async regenerateRecoveryCodes(user: SessionUser, actor: Actor): Promise<string[]> {
      const { codes, hashes } = codesFor(user.id);
      await db.transaction(async (trx) => {
        if (!(await queries.findSecondFactor(trx, user.id))) throw new NotFound();
        await queries.replaceRecoveryCodes(trx, user.id, hashes, new Date());
        await recordAudit(trx, actor, { action: 'second_factor.recovery_codes_renewed', subjectType: 'user', subjectId: user.id });
      });
      return codes;
    },

    /** Trainers and participants may switch their second factor off again; staff may not. */
    async remove(user: SessionUser, actor: Actor): Promise<void> {
      if (secondFactorRequired(user.role)) throw new Conflict('secondFactor.errors.requiredForRole');
      await db.transaction(async (trx) => {
        if (!(await queries.deleteSecondFactor(trx, user.id))) return;
        await recordAudit(trx, actor, { action: 'second_factor.removed', subjectType: 'user', subjectId: user.id });
      });
    },

    /**
     * An admin resets a person's second factor (lost phone): key and codes are deleted and the
     * person's sessions end; staff set up a new one at their next login.
     */
    async reset(actingUser: SessionUser, userId: number, actor: Actor): Promise<boolean> {
      assertCan(actingUser, 'accounts.administer');
      return db.transaction(async (trx) => {
        if (!(await findUserById(trx, userId))) throw new NotFound();
        const existed = await queries.deleteSecondFactor(trx, userId);
        if (!existed) return false;
        await deleteSessionsOfUser(trx, userId);
        await recordAudit(trx, actor, { action: 'second_factor.reset', subjectType: 'user', subjectId: userId });
        await notify(trx, userId, 'reset');
        return true;
      });
    },
  };
}

export type SecondFactorService = ReturnType<typeof createSecondFactorService>;
