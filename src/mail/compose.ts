import path from 'node:path';
import ejs from 'ejs';
import { translatorFor, type Locale } from '../i18n/i18n';
import { PROJECT_ROOT } from '../shared/project-root';
import type { OutgoingMail } from './mailer';

// The project root, not this file's directory: the compiled build runs from dist/src/mail.
const VIEWS = path.join(PROJECT_ROOT, 'views', 'mail');

type MailContent = {
  /** Translation key prefix: <key>.subject, <key>.paragraphs (array), <key>.action. */
  key: string;
  params?: Record<string, unknown>;
  actionUrl?: string;
  /** A person's own words (a coordinator's message): used instead of <key>.subject and <key>.paragraphs. */
  own?: { subject: string; paragraphs: string[] };
  /** What the mail is and whom it is for: the person's message history (see OutgoingMail). */
  kind?: string;
  userId?: number | null;
};

/**
 * The name a mail greets with: first and last name, as the formal "Sie" of the greeting
 * asks for ("Guten Tag Claudia Weißbach,"), not the first name alone.
 */
export function greetingNameOf(person: { firstName: string; lastName: string }): string {
  return [person.firstName, person.lastName].map((part) => part.trim()).filter(Boolean).join(' ');
}

/**
 * Every mail has the same shape (greeting, paragraphs, optional button, closing) and
 * both a plain-text and an HTML part, in the recipient's language.
 */
export async function composeMail(to: string, locale: Locale, content: MailContent): Promise<OutgoingMail> {
  const t = translatorFor(locale);
  const params = content.params ?? {};
  const paragraphs = content.own ? content.own.paragraphs : (t(`${content.key}.paragraphs`, { ...params, returnObjects: true }) as unknown as string[]);
  const locals = {
    t,
    lang: locale,
    // Without a name (e.g. an address nobody has confirmed yet) the greeting stays neutral.
    greeting: params.name ? t('mail.greeting', params) : t('mail.greetingNeutral', params),
    paragraphs: Array.isArray(paragraphs) ? paragraphs : [String(paragraphs)],
    action: content.actionUrl ? { label: t(`${content.key}.action`, params), url: content.actionUrl } : null,
    closing: t('mail.closing', params),
    signature: t('mail.signature', params),
  };
  const [html, text] = await Promise.all([
    ejs.renderFile(path.join(VIEWS, 'message.html.ejs'), locals),
    ejs.renderFile(path.join(VIEWS, 'message.text.ejs'), locals),
  ]);
  const subject = content.own ? content.own.subject : t(`${content.key}.subject`, params);
  return { to, subject, html, text, ...(content.kind ? { kind: content.kind } : {}), ...(content.userId ? { userId: content.userId } : {}) };
}
