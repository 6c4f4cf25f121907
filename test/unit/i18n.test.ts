import fs from 'node:fs';
import path from 'node:path';
import { LOCALES, translatorFor, unmemoisedTranslatorFor, type Locale } from '../../src/i18n/i18n';

type Call = [string, Record<string, unknown>?];

/** Every message of the German catalogs as "domain.path.key" with its text. */
function catalogMessages(): [string, string][] {
  const directory = path.join(__dirname, '..', '..', 'src', 'i18n', 'locales', 'de');
  const messages: [string, string][] = [];
  const walk = (prefix: string, node: unknown) => {
    if (typeof node === 'string') messages.push([prefix, node]);
    else if (node && typeof node === 'object') for (const [name, child] of Object.entries(node)) walk(`${prefix}.${name}`, child);
  };
  for (const file of fs.readdirSync(directory).filter((name) => name.endsWith('.json'))) {
    walk(path.basename(file, '.json'), JSON.parse(fs.readFileSync(path.join(directory, file), 'utf8')));
  }
  return messages;
}

/** One call per message, with a value for every {{placeholder}}; plural messages by their base key with several counts. */
function sampleCalls(): Call[] {
  const calls: Call[] = [];
  for (const [key, text] of catalogMessages()) {
    const params = Object.fromEntries([...text.matchAll(/{{\s*(\w+)/g)].map((match, index) => [match[1]!, `Wert ${index}`]));
    const plural = /_(zero|one|two|few|many|other)$/.exec(key);
    if (plural) {
      for (const count of [0, 1, 2, 17]) calls.push([key.slice(0, plural.index), { ...params, count }]);
    } else {
      calls.push(Object.keys(params).length > 0 ? [key, params] : [key]);
    }
  }
  return calls;
}

function call(t: (...args: unknown[]) => unknown, [key, options]: Call) {
  return options === undefined ? t(key) : t(key, options);
}

describe('translatorFor', () => {
  const calls = sampleCalls();

  it.each(LOCALES.map((locale) => [locale]))('answers every catalog message in %s exactly like i18next, the first time and when remembered', (locale: Locale) => {
    expect(calls.length).toBeGreaterThan(200);
    const memoised = translatorFor(locale) as unknown as (...args: unknown[]) => unknown;
    const i18next = unmemoisedTranslatorFor(locale) as unknown as (...args: unknown[]) => unknown;
    const expected = calls.map((sample) => call(i18next, sample));
    expect(calls.map((sample) => call(memoised, sample))).toEqual(expected);
    expect(calls.map((sample) => call(memoised, sample))).toEqual(expected);
  });

  it('still chooses the plural form by count, in German and in English', () => {
    const de = translatorFor('de');
    const en = translatorFor('en');
    expect(de('attendance.rollCall.saved', { count: 1 })).toBe('Gespeichert: 1 Änderung.');
    expect(de('attendance.rollCall.saved', { count: 3 })).toBe('Gespeichert: 3 Änderungen.');
    expect(de('attendance.rollCall.saved', { count: 1 })).toBe('Gespeichert: 1 Änderung.');
    expect(en('attendance.rollCall.saved', { count: 0 })).toBe('Saved: 0 changes.');
    expect(en('attendance.rollCall.saved', { count: 1 })).toBe('Saved: 1 change.');
  });

  it('keeps the locales apart and gives different parameters their own text', () => {
    expect(translatorFor('de')('attendance.status.present')).not.toBe(translatorFor('en')('attendance.status.present'));
    const de = translatorFor('de');
    expect(de('attendance.rollCall.saved', { count: 4 })).toBe('Gespeichert: 4 Änderungen.');
    expect(de('attendance.rollCall.saved', { count: 5 })).toBe('Gespeichert: 5 Änderungen.');
  });

  it('answers correctly after remembering more texts than it keeps', () => {
    const de = translatorFor('de');
    for (let count = 0; count < 10_050; count += 1) expect(de('attendance.rollCall.saved', { count })).toBe(`Gespeichert: ${count} ${count === 1 ? 'Änderung' : 'Änderungen'}.`);
    expect(de('attendance.rollCall.saved', { count: 1 })).toBe('Gespeichert: 1 Änderung.');
  });

  it('leaves calls it does not remember to i18next: objects, default values, nested options', () => {
    const de = translatorFor('de');
    const i18next = unmemoisedTranslatorFor('de');
    const objects = de('attendance.status', { returnObjects: true }) as Record<string, string>;
    expect(objects).toEqual(i18next('attendance.status', { returnObjects: true }));
    // Each caller gets its own object, as from i18next: changing one does not change the next answer.
    objects.present = 'verändert';
    expect((de('attendance.status', { returnObjects: true }) as Record<string, string>).present).not.toBe('verändert');
    expect(de('attendance.gibtEsNicht', { defaultValue: 'Ersatztext' })).toBe('Ersatztext');
    expect(de('attendance.gibtEsNicht', { defaultValue: 'Anderer Text' })).toBe('Anderer Text');
    expect(de('attendance.rollCall.saved', { count: 2, nested: { deep: true } } as never)).toBe(i18next('attendance.rollCall.saved', { count: 2, nested: { deep: true } } as never));
  });
});
