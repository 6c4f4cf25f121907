import fs from 'node:fs';
import path from 'node:path';
import i18next, { type TFunction } from 'i18next';

export const LOCALES = ['de', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'de';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/**
 * Message catalogs live in src/i18n/locales/<locale>/<domain>.json; each file becomes
 * the top-level key of its domain ("accounts.login.title"), so domains don't share a file.
 */
function loadCatalog(locale: Locale): Record<string, unknown> {
  const directory = path.join(__dirname, 'locales', locale);
  const catalog: Record<string, unknown> = {};
  for (const file of fs.readdirSync(directory).filter((name) => name.endsWith('.json')).sort()) {
    catalog[path.basename(file, '.json')] = JSON.parse(fs.readFileSync(path.join(directory, file), 'utf8'));
  }
  return catalog;
}

const instance = i18next.createInstance();
void instance.init({
  initAsync: false,
  lng: DEFAULT_LOCALE,
  fallbackLng: DEFAULT_LOCALE,
  supportedLngs: [...LOCALES],
  // Templates escape output themselves (EJS <%= %>).
  interpolation: { escapeValue: false },
  returnNull: false,
  resources: Object.fromEntries(LOCALES.map((locale) => [locale, { translation: loadCatalog(locale) }])),
});

/** Enough for every label and the parameters of a few busy pages; the oldest entry goes first. */
const MEMO_LIMIT = 10_000;

/** Options that change what kind of answer i18next gives or where it looks: always asked fresh. */
const UNMEMOISED_OPTIONS = new Set(['returnObjects', 'returnDetails', 'defaultValue', 'lng', 'lngs', 'ns', 'keyPrefix', 'postProcess', 'interpolation', 'replace', 'joinArrays']);

/**
 * The memo key of a call, or null when the call must go to i18next: only a string key with no
 * options or with flat options of strings, numbers and booleans (count, names, dates already
 * formatted) is remembered. The catalogs never change while the process runs.
 */
function memoKey(key: unknown, options: unknown): string | null {
  if (typeof key !== 'string') return null;
  if (options === undefined) return key;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return null;
  for (const [name, value] of Object.entries(options)) {
    if (UNMEMOISED_OPTIONS.has(name)) return null;
    if (value !== undefined && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return null;
  }
  return `${key}\u0000${JSON.stringify(options)}`;
}

/**
 * i18next copies its options on every call, which cost a fifth to a third of the CPU of a list
 * page with a label per cell. The same call gives the same text, so each locale remembers it.
 */
function memoisedTranslator(locale: Locale): TFunction {
  const translate = instance.getFixedT(locale);
  const memo = new Map<string, string>();
  const memoised = (key: unknown, ...rest: unknown[]) => {
    const cacheKey = rest.length <= 1 ? memoKey(key, rest[0]) : null;
    if (cacheKey !== null) {
      const known = memo.get(cacheKey);
      if (known !== undefined) return known;
    }
    const text: unknown = (translate as unknown as (...args: unknown[]) => unknown)(key, ...rest);
    if (cacheKey !== null && typeof text === 'string') {
      if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
      memo.set(cacheKey, text);
    }
    return text;
  };
  return memoised as unknown as TFunction;
}

const translators = new Map<Locale, TFunction>(LOCALES.map((locale) => [locale, memoisedTranslator(locale)]));

export function translatorFor(locale: Locale): TFunction {
  return translators.get(locale) ?? instance.getFixedT(locale);
}

/** i18next itself, without the memo: for comparing in tests. */
export function unmemoisedTranslatorFor(locale: Locale): TFunction {
  return instance.getFixedT(locale);
}

export function hasTranslation(key: string, locale: Locale): boolean {
  return instance.exists(key, { lng: locale, fallbackLng: false });
}

export type Translate = TFunction;
