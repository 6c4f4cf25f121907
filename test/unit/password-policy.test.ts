import { PASSWORD_MIN_LENGTH, passwordProblem } from '../../src/accounts/password-policy';
import { hasTranslation } from '../../src/i18n/i18n';
import { PASSWORD } from '../support/factories';

describe('password policy', () => {
  it.each(['aaaaaaaaaa', '1234567890', 'passwort12', 'kurz'])('refuses %s as too short', (password) => {
    expect(passwordProblem(password)).toBe('accounts.passwordPolicy.tooShort');
  });

  it.each([
    ['Passwort1234', 'accounts.passwordPolicy.common'],
    ['passwort1234', 'accounts.passwordPolicy.common'],
    ['aaaaaaaaaaaa', 'accounts.passwordPolicy.repeat'],
    ['123456789012', 'accounts.passwordPolicy.common'],
    ['qwertzuiopü+', 'accounts.passwordPolicy.keyboard'],
  ])('refuses the guessable %s (%s)', (password, reason) => {
    expect(passwordProblem(password)).toBe(reason);
  });

  it('refuses a password made of the person’s own name or address', () => {
    const person = ['Erika', 'Musterfrau', 'erika.musterfrau@gemeinde.example'];
    expect(passwordProblem('ErikaMusterfrau1', person)).toBe('accounts.passwordPolicy.personal');
    expect(passwordProblem('erika.musterfrau', person)).toBe('accounts.passwordPolicy.personal');
    expect(passwordProblem('Erika-Musterfrau', person)).toBe('accounts.passwordPolicy.personal');
    // The same password is fine for somebody else.
    expect(passwordProblem('ErikaMusterfrau1', ['Jana', 'Köhler', 'jana@gemeinde.example'])).toBeUndefined();
  });

  it('accepts long passphrases, the demo password and the test factories’ password', () => {
    for (const password of ['Demo-Passwort-2026', PASSWORD, 'Ein-langer-Satz-als-Passwort', 'Korrekt Pferd Batterie Heftklammer']) {
      expect(password.length).toBeGreaterThanOrEqual(PASSWORD_MIN_LENGTH);
      expect(passwordProblem(password, ['Erika', 'Muster', 'person@gemeinde.example'])).toBeUndefined();
    }
  });

  it('has a German and an English message for every reason it can give', () => {
    for (const reason of ['tooShort', 'common', 'personal', 'keyboard', 'repeat', 'sequence', 'dates', 'singleWord', 'names', 'weak']) {
      expect(hasTranslation(`accounts.passwordPolicy.${reason}`, 'de')).toBe(true);
      expect(hasTranslation(`accounts.passwordPolicy.${reason}`, 'en')).toBe(true);
    }
  });
});
