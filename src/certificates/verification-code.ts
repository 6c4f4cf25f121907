import { randomBytes } from 'node:crypto';

/** Crockford's base32: no I, L, O or U, so a code read off paper can't be mistyped into another. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 20; // × 5 bits = 100 random bits
const CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{20}$/;

export function newVerificationCode(): string {
  const bytes = randomBytes(CODE_LENGTH); // one byte per character, 5 of its bits used
  return [...bytes].map((byte) => CROCKFORD[byte & 31]).join('');
}

/**
 * A code as somebody typed it: any case, with spaces or dashes, and the letters that
 * Crockford's alphabet reads as digits (O → 0, I and L → 1). Null if it can't be one.
 */
export function normaliseVerificationCode(input: string): string | null {
  const code = input
    .toUpperCase()
    .replace(/[\s\u2010-\u2015-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  return CODE_PATTERN.test(code) ? code : null;
}
