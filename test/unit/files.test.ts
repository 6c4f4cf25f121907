import { asciiFileName, cleanFileName, contentDisposition } from '../../src/shared/files';

describe('cleanFileName', () => {
  it('keeps umlauts and ß, drops the path the client sent', () => {
    expect(cleanFileName('C:\\Users\\jana\\Übersicht Maßnahmen.pdf')).toBe('Übersicht Maßnahmen.pdf');
    expect(cleanFileName('../../etc/passwd')).toBe('passwd');
  });

  it('composes decomposed umlauts (macOS) and removes control characters', () => {
    expect(cleanFileName('Mu\u0308llheim\u0000\u001b\u0085.pdf')).toBe('Müllheim.pdf');
    expect(cleanFileName('  Liste \t  Januar.pdf ')).toBe('Liste Januar.pdf');
  });

  it('falls back to a name when nothing is left', () => {
    expect(cleanFileName('..')).toBe('Datei');
    expect(cleanFileName('/')).toBe('Datei');
    expect(cleanFileName('\u0000', 'Liste')).toBe('Liste');
  });

  it('cuts long names to 255 characters, never inside an umlaut, and keeps the ending', () => {
    const long = cleanFileName(`${'ö'.repeat(400)}.pdf`);
    expect([...long]).toHaveLength(255);
    expect(long.endsWith('ö.pdf')).toBe(true);
    // An "ending" that is really a long name is cut like the rest.
    expect([...cleanFileName(`a.${'b'.repeat(300)}`)]).toHaveLength(255);
  });
});

describe('contentDisposition', () => {
  it('sends a plain ASCII name quoted, without filename*', () => {
    expect(contentDisposition('attachment', 'termine-12.ics')).toBe('attachment; filename="termine-12.ics"');
    expect(contentDisposition('inline', 'Foto der Liste.JPG')).toBe('inline; filename="Foto der Liste.JPG"');
  });

  it('adds the UTF-8 name for umlauts, with a readable ASCII fallback', () => {
    expect(contentDisposition('attachment', 'Teilnahmebestätigung-KKM-2026-00042.pdf')).toBe(
      "attachment; filename=\"Teilnahmebestaetigung-KKM-2026-00042.pdf\"; filename*=UTF-8''Teilnahmebest%C3%A4tigung-KKM-2026-00042.pdf",
    );
  });

  it('cannot be broken out of by quotes, backslashes, percent signs or line breaks', () => {
    const header = contentDisposition('attachment', 'a"b\\c%\r\nd.pdf');
    expect(header).toBe("attachment; filename=\"a_b_c___d.pdf\"; filename*=UTF-8''a%22b%5Cc%25%0D%0Ad.pdf");
    expect(header).not.toMatch(/[\r\n]/);
    expect(asciiFileName('Straße – „Zitat“')).toBe('Strasse _ _Zitat_');
  });

  it('is only the type when there is no name', () => {
    expect(contentDisposition('inline')).toBe('inline');
  });
});
