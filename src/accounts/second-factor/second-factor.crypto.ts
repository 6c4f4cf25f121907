import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomInt } from 'node:crypto';

/**
 * Keys for the second factor, derived from one configured secret (SECOND_FACTOR_KEY, else
 * SESSION_SECRET) with HKDF, one per use, so a key never serves two purposes.
 *
 * The TOTP key must be readable again to check a code, so it is encrypted (AES-256-GCM, the
 * account id bound in as additional data: a stored value copied to another account does not
 * decrypt). Recovery codes are only compared, so they are stored as HMAC-SHA-256 under a key
 * that is not in the database. A keyed fast hash rather than argon2: the codes are 50 random
 * bits (not a password a person chose), so a slow hash adds nothing against guessing that
 * the key and the rate limit don't already give, while a deterministic hash lets the database
 * find and spend a code in one UPDATE (exactly once, also under parallel use) instead of ten
 * argon2 checks per attempt.
 */
export type SecondFactorKeys = { encryption: Buffer; recoveryCodes: Buffer };

function derive(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'kokoma second factor', purpose, 32));
}

export function secondFactorKeys(secret: string): SecondFactorKeys {
  return { encryption: derive(secret, 'totp secret encryption v1'), recoveryCodes: derive(secret, 'recovery code hashing v1') };
}

const VERSION = 'v1';

export function encryptSecret(keys: SecondFactorKeys, userId: number, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv);
  cipher.setAAD(Buffer.from(`user:${userId}`));
  const encrypted = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), encrypted.toString('base64url')].join('.');
}

/** The plain TOTP key, or null when the stored value does not decrypt (wrong key, other account). */
export function decryptSecret(keys: SecondFactorKeys, userId: number, stored: string): string | null {
  const [version, iv, tag, encrypted] = stored.split('.');
  if (version !== VERSION || !iv || !tag || !encrypted) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.encryption, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`user:${userId}`));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/** 32 letters and digits without look-alikes (no 0/O, 1/I): 5 bits a character. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const RECOVERY_CODE_COUNT = 10;
const CODE_LENGTH = 10;

/** Ten fresh codes as shown to the person: "ABCDE-FGHJK". */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const characters = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${characters.slice(0, 5)}-${characters.slice(5)}`;
  });
}

/** What a typed code means: capitals, without the hyphen and spaces people add or leave out. */
export function normaliseRecoveryCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]+/g, '');
}

export function looksLikeRecoveryCode(typed: string): boolean {
  const normalised = normaliseRecoveryCode(typed);
  return normalised.length === CODE_LENGTH && [...normalised].every((character) => ALPHABET.includes(character));
}

export function hashRecoveryCode(keys: SecondFactorKeys, userId: number, typed: string): string {
  return createHmac('sha256', keys.recoveryCodes).update(`${userId}:${normaliseRecoveryCode(typed)}`).digest('base64url');
}
