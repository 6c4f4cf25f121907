import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as german from '@zxcvbn-ts/language-de';
import * as english from '@zxcvbn-ts/language-en';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 200;
/** zxcvbn's "safely unguessable" (about 10^10 guesses): well beyond an online attack. */
export const PASSWORD_MIN_SCORE = 3;

// Building the dictionaries takes about half a second: once per process, on first use.
let estimator: ZxcvbnFactory | undefined;
function strengthEstimator(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...german.dictionary, ...english.dictionary },
    graphs: common.adjacencyGraphs,
  });
  return estimator;
}

/** zxcvbn's warning types → our messages (accounts.passwordPolicy.*), in German and English. */
const WARNING_MESSAGES: Record<string, string> = {
  topTen: 'common',
  topHundred: 'common',
  common: 'common',
  similarToCommon: 'common',
  pwned: 'common',
  userInputs: 'personal',
  straightRow: 'keyboard',
  keyPattern: 'keyboard',
  simpleRepeat: 'repeat',
  extendedRepeat: 'repeat',
  sequences: 'sequence',
  recentYears: 'dates',
  dates: 'dates',
  wordByItself: 'singleWord',
  namesByThemselves: 'names',
  commonNames: 'names',
};

/**
 * Words about the person that must not carry a password: their names, the address, its
 * local part and each piece of it, and the names run together ("erikamusterfrau", "erika-musterfrau").
 */
function personalWords(inputs: Array<string | null | undefined>): string[] {
  const words = new Set<string>();
  const pieces: string[] = [];
  for (const input of inputs) {
    if (!input) continue;
    const value = input.trim().toLowerCase();
    if (value.length < 2) continue;
    words.add(value);
    if (value.includes('@')) words.add(value.slice(0, value.indexOf('@')));
    for (const piece of value.split(/[\s@.\-_+']+/)) {
      if (piece.length < 3) continue;
      words.add(piece);
      pieces.push(piece);
    }
  }
  for (const first of pieces) {
    for (const second of pieces) if (first !== second) for (const separator of ['', '-', '.', '_', ' ']) words.add(first + separator + second);
  }
  return [...words];
}

/**
 * Why a new password is refused, as a translation key, or undefined when it is acceptable:
 * at least PASSWORD_MIN_LENGTH characters and not guessable (zxcvbn score ≥ 3 with German
 * and English dictionaries and the person's own name and address as known words).
 */
export function passwordProblem(password: string, personal: Array<string | null | undefined> = []): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return 'accounts.passwordPolicy.tooShort';
  if (password.length > PASSWORD_MAX_LENGTH) return 'validation.tooLong';
  const words = personalWords(personal);
  const result = strengthEstimator().check(password, words);
  if (result.score >= PASSWORD_MIN_SCORE) return undefined;
  const usesPersonalWord = result.sequence.some((match) => match.dictionaryName === 'userInputs');
  if (usesPersonalWord) return 'accounts.passwordPolicy.personal';
  const message = result.feedback.warning ? WARNING_MESSAGES[result.feedback.warning] : undefined;
  return `accounts.passwordPolicy.${message ?? 'weak'}`;
}
