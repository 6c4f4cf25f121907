import fs from 'node:fs';
import path from 'node:path';
import { KNOWN_ACTIONS } from '../../src/audit/audit.schemas';
import { actionLabel } from '../../src/audit/audit.view';
import { translatorFor } from '../../src/i18n/i18n';

/** Every file under src/, for reading which audit actions the code records. */
function sourceFiles(directory: string): string[] {
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/**
 * The audit trail's action filter offers every action the code records, each named in German
 * and English: an admin looking for "who merged these organisations" finds it in the list.
 */
describe('audit actions', () => {
  const recorded = new Set(
    sourceFiles(path.join(__dirname, '..', '..', 'src')).flatMap((file) => [...fs.readFileSync(file, 'utf8').matchAll(/action: '([a-zA-Z_]+(?:\.[a-zA-Z_]+)+)'/g)].map((match) => match[1]!)),
  );

  it('lists every recorded action in the filter', () => {
    expect(recorded.size).toBeGreaterThan(50);
    expect([...recorded].filter((action) => !(KNOWN_ACTIONS as readonly string[]).includes(action))).toEqual([]);
  });

  it('names every listed action in German and English', () => {
    for (const locale of ['de', 'en'] as const) {
      const t = translatorFor(locale);
      const unnamed = KNOWN_ACTIONS.filter((action) => t(`audit.actions.${action.replace(/\./g, '_')}`) === `audit.actions.${action.replace(/\./g, '_')}`);
      expect({ locale, unnamed }).toEqual({ locale, unnamed: [] });
    }
    expect(actionLabel('organisation.merged', translatorFor('de'))).toBe('Organisationen zusammengeführt');
    expect(actionLabel('second_factor.reset', translatorFor('en'))).toBe('Second factor reset');
  });
});
