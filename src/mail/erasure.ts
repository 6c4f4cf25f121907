import fs from 'node:fs/promises';
import path from 'node:path';

/** Outgoing mails naming the person (the outbox table): published for the privacy domain's erasure. */
export { deleteMailsNaming } from './erasure.queries';

/** Undoes quoted-printable (bodies and =?UTF-8?Q?…?= headers) so a name with umlauts is found too. */
function decodeQuotedPrintable(raw: string): string {
  const joined = raw.replace(/=\r?\n/g, '').replace(/_/g, ' ');
  const bytes: number[] = [];
  for (let index = 0; index < joined.length; index += 1) {
    const hex = joined.slice(index + 1, index + 3);
    if (joined[index] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      index += 2;
    } else bytes.push(...Buffer.from(joined[index]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBase64Parts(raw: string): string {
  const blocks = raw.match(/(?:^[A-Za-z0-9+/=]{16,}\r?\n)+/gm) ?? [];
  const words = [...raw.matchAll(/=\?utf-8\?b\?([^?]+)\?=/gi)].map((match) => match[1] ?? '');
  return [...blocks, ...words].map((block) => Buffer.from(block.replace(/\s/g, ''), 'base64').toString('utf8')).join('\n');
}

/**
 * The offline mail directory (MAIL_DIR, used when no SMTP server is configured) keeps each
 * mail as an .eml file: every file addressed to the person or naming them is deleted.
 * Returns how many were deleted.
 */
export async function deleteMailFilesNaming(directory: string, terms: readonly string[]): Promise<number> {
  let names: string[];
  try {
    names = (await fs.readdir(directory)).filter((name) => name.endsWith('.eml'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const wanted = terms.filter((term) => term.trim() !== '').map((term) => term.toLowerCase());
  let deleted = 0;
  for (const name of names) {
    const file = path.join(directory, name);
    const raw = await fs.readFile(file, 'utf8').catch(() => '');
    const text = `${raw}\n${decodeQuotedPrintable(raw)}\n${decodeBase64Parts(raw)}`.toLowerCase();
    if (wanted.some((term) => text.includes(term))) {
      await fs.rm(file, { force: true });
      deleted += 1;
    }
  }
  return deleted;
}

/**
 * The person's message history (kinds, subjects, states) and their reminder claims go when
 * the person is anonymised: the account's id stays, so these are found by it, not by address.
 */
export { deleteMessageHistoryOf } from './erasure.queries';
