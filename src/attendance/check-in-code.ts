import { createHmac, randomBytes } from 'node:crypto';

// Crockford's base32 without I, L, O, U: easy to read aloud and type.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 6;

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The check-in code of one opening of one session: an HMAC of the session id and a
 * per-opening nonce with the server secret. It can't be guessed or derived for another
 * session, and re-opening check-in (new nonce) invalidates the old code.
 */
export function checkInCode(secret: string, sessionId: number, nonce: string): string {
  const digest = createHmac('sha256', secret).update(`check-in:${sessionId}:${nonce}`).digest();
  let code = '';
  for (let index = 0; index < CODE_LENGTH; index += 1) code += ALPHABET[digest[index]! % 32];
  return code;
}

/** What people type: case, spaces and dashes don't matter; O/I/L read as 0/1/1. */
export function normaliseCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}
