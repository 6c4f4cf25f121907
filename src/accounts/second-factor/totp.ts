import { authenticator } from 'otplib';

/** RFC 6238 as every authenticator app does it: SHA-1, six digits, 30-second steps. */
export const STEP_SECONDS = 30;
/** A code of the step before or after is taken too: phone clocks drift, and typing takes time. */
const WINDOW = 1;
export const ISSUER = 'KoKoMa Campus';

const totp = authenticator.clone({ step: STEP_SECONDS, window: WINDOW });

/** A new random key (160 bits, as RFC 4226 recommends), base32 as the apps expect it. */
export function newTotpSecret(): string {
  return totp.generateSecret(20);
}

/** The step a time falls into (the counter the code is computed from). */
export function stepAt(epochMs: number): number {
  return Math.floor(epochMs / 1000 / STEP_SECONDS);
}

/**
 * The step a typed code belongs to, or null when it fits none within the window. The caller
 * accepts it only for a step later than the last one used (no replay).
 */
export function matchingStep(secret: string, code: string, nowMs = Date.now()): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp.clone({ epoch: nowMs }).checkDelta(token, secret);
  return delta === null ? null : stepAt(nowMs) + delta;
}

/** The code for a given step (tests, and nothing else, compute codes). */
export function codeForStep(secret: string, step: number): string {
  return totp.clone({ epoch: step * STEP_SECONDS * 1000 }).generate(secret);
}

/** The otpauth:// address the QR code carries: label "KoKoMa Campus:<e-mail>", issuer KoKoMa Campus. */
export function otpauthUri(accountName: string, secret: string): string {
  return totp.keyuri(accountName, ISSUER, secret);
}

/** The key for typing: groups of four letters, as the apps show it. */
export function groupedSecret(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(' ') ?? secret;
}
