import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * The mail domain's part of the Löschkonzept. Without a mail server, mails are written to
 * MAIL_DIR as .eml files (mailer.ts): whole mails with address and text, removed after the
 * retention period. Files are judged by their modification time.
 */
export { countFailedMailsBefore, countHistoryRowsBefore, countSentMailsBefore } from './retention.queries';

async function oldMailFiles(directory: string, before: Date): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const old: string[] = [];
  for (const name of names.filter((entry) => entry.endsWith('.eml'))) {
    const file = path.join(directory, name);
    const stat = await fs.stat(file).catch(() => null);
    if (stat?.isFile() && stat.mtime < before) old.push(file);
  }
  return old;
}

export async function countOldMailFiles(directory: string, before: Date): Promise<number> {
  return (await oldMailFiles(directory, before)).length;
}

export async function deleteOldMailFiles(directory: string, before: Date): Promise<number> {
  let removed = 0;
  for (const file of await oldMailFiles(directory, before)) {
    // Another instance may have removed it a moment ago: that is no error.
    await fs.rm(file, { force: true });
    removed += 1;
  }
  return removed;
}
