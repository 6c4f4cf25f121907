import { secondFactorRequired, secondFactorStep } from '../../src/accounts/second-factor/second-factor.rules';
import { decryptSecret, encryptSecret, hashRecoveryCode, looksLikeRecoveryCode, newRecoveryCodes, secondFactorKeys } from '../../src/accounts/second-factor/second-factor.crypto';
import { codeForStep, groupedSecret, matchingStep, newTotpSecret, otpauthUri, stepAt } from '../../src/accounts/second-factor/totp';

describe('what follows the password (or the identity provider)', () => {
  it('asks a person with a second factor for a code, whatever the role', () => {
    expect(secondFactorStep({ role: 'participant', hasSecondFactor: true })).toBe('code');
    expect(secondFactorStep({ role: 'admin', hasSecondFactor: true })).toBe('code');
  });

  it('sends coordinators and admins without one to the setup, and lets trainers and participants in', () => {
    expect(secondFactorStep({ role: 'coordinator', hasSecondFactor: false })).toBe('setup');
    expect(secondFactorStep({ role: 'admin', hasSecondFactor: false })).toBe('setup');
    expect(secondFactorStep({ role: 'trainer', hasSecondFactor: false })).toBe('done');
    expect(secondFactorStep({ role: 'participant', hasSecondFactor: false })).toBe('done');
    expect(['participant', 'trainer', 'coordinator', 'admin'].filter((role) => secondFactorRequired(role as never))).toEqual(['coordinator', 'admin']);
  });

  it('does not ask again when the identity provider did a second factor (amr), only when it says so', () => {
    expect(secondFactorStep({ role: 'admin', hasSecondFactor: true, secondFactorByProvider: true })).toBe('done');
    expect(secondFactorStep({ role: 'coordinator', hasSecondFactor: false, secondFactorByProvider: true })).toBe('done');
    expect(secondFactorStep({ role: 'coordinator', hasSecondFactor: false, secondFactorByProvider: false })).toBe('setup');
  });
});

describe('TOTP and the stored secrets', () => {
  const keys = secondFactorKeys('a-test-secret-that-is-long-enough-for-this');

  it('accepts the code of this step and the neighbouring ones, and names the step it belongs to', () => {
    const secret = newTotpSecret();
    const now = Date.now();
    const step = stepAt(now);
    expect(matchingStep(secret, codeForStep(secret, step), now)).toBe(step);
    expect(matchingStep(secret, codeForStep(secret, step - 1), now)).toBe(step - 1);
    expect(matchingStep(secret, codeForStep(secret, step + 1), now)).toBe(step + 1);
    expect(matchingStep(secret, codeForStep(secret, step - 3), now)).toBeNull();
    expect(matchingStep(secret, 'abcdef', now)).toBeNull();
  });

  it('builds the otpauth address with issuer and account, and groups the key for typing', () => {
    const uri = otpauthUri('erika@gemeinde.example', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
    expect(uri).toBe('otpauth://totp/KoKoMa%20Campus:erika%40gemeinde.example?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&period=30&digits=6&algorithm=SHA1&issuer=KoKoMa%20Campus');
    expect(groupedSecret('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP');
  });

  it('encrypts the key so that only this account with this key reads it back', () => {
    const stored = encryptSecret(keys, 7, 'JBSWY3DPEHPK3PXP');
    expect(stored).not.toContain('JBSWY3DPEHPK3PXP');
    expect(decryptSecret(keys, 7, stored)).toBe('JBSWY3DPEHPK3PXP');
    expect(decryptSecret(keys, 8, stored)).toBeNull();
    expect(decryptSecret(secondFactorKeys('another-secret-that-is-long-enough-too'), 7, stored)).toBeNull();
    expect(decryptSecret(keys, 7, 'garbage')).toBeNull();
  });

  it('hashes recovery codes per account, however they are typed', () => {
    const [code] = newRecoveryCodes();
    expect(looksLikeRecoveryCode(code!)).toBe(true);
    expect(looksLikeRecoveryCode('123456')).toBe(false);
    expect(hashRecoveryCode(keys, 1, code!)).toBe(hashRecoveryCode(keys, 1, ` ${code!.toLowerCase().replace('-', '')} `));
    expect(hashRecoveryCode(keys, 1, code!)).not.toBe(hashRecoveryCode(keys, 2, code!));
  });
});
