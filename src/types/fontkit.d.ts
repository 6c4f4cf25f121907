// fontkit (the font parser pdfkit uses) ships no types; we only parse a TTF once per process.
declare module 'fontkit' {
  export function create(buffer: Buffer): { layout: (...args: unknown[]) => unknown };
}
