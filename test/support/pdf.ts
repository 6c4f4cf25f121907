import { execFile } from 'node:child_process';
import path from 'node:path';

/** The text a reader (or a screen reader) gets out of a PDF, its page count and metadata. */
export function readPdf(bytes: Buffer): Promise<{ text: string; pages: number; info: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [path.join(__dirname, 'read-pdf.cjs')], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`reading the PDF failed: ${stderr || error.message}`));
      resolve(JSON.parse(stdout));
    });
    child.stdin!.end(bytes);
  });
}
