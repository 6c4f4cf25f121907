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

export function translatorFor(locale: Locale): TFunction {
  return instance.getFixedT(locale);
}

export function hasTranslation(key: string, locale: Locale): boolean {
  return instance.exists(key, { lng: locale, fallbackLng: false });
}

export type Translate = TFunction;
