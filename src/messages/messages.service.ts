import type { Logger } from 'pino';
import { contactsOf } from '../accounts/contacts.service';
import { assertCan, can } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { recordAudit, type Actor } from '../audit/audit.service';
import { offeringsForSeats } from '../catalog/offering-seats';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { translatorFor, type Locale } from '../i18n/i18n';
import { composeMail, greetingNameOf } from '../mail/compose';
import type { OutgoingMail } from '../mail/mailer';
import type { Outbox } from '../mail/outbox.service';
import { Invalid, NotFound } from '../shared/errors';
import { pageOf, pageWindow } from '../shared/paging';
import * as queries from './messages.queries';
import type { MessageInput } from './messages.schemas';

/** Mails composed and queued per transaction: a 300-person message is a handful of short transactions. */
export const EXPANSION_BATCH = 100;
export const MESSAGES_PAGE_SIZE = 20;
/** Failed recipients named on the message's page; the retry covers all of them. */
export const FAILED_SHOWN = 100;
export { MESSAGE_RECORD_DAYS } from './retention';
export const MESSAGE_KIND = 'message.coordinator';

/** The text is plain: blank lines separate paragraphs, as in any mail program. */
export function paragraphsOf(body: string): string[] {
  return body
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean);
}

export type MessagesDeps = { db: Database; outbox: Outbox; config: Config; logger: Logger };

/**
 * Messages from coordinators to the people of an offering (issue 17). Sending stores the
 * message and its recipients in one transaction and returns; composing each mail happens in
 * the background (`expandPending`, started right away and every minute by the job queue on
 * whichever instance, so a message survives the instance that took it), and delivery is the
 * outbox's. Coordinators and admins only (`messages.send`): trainers reach their groups in
 * the session itself, and a message to a whole offering speaks for the coordinating office.
 */
export function createMessagesService({ db, outbox, config, logger }: MessagesDeps) {
  async function offeringOrNotFound(offeringId: number) {
    const offering = await offeringsForSeats.find(db, offeringId);
    if (!offering) throw new NotFound();
    return offering;
  }

  function composeFor(contact: { email: string; locale: Locale; firstName: string; lastName: string } | null, userId: number | null, subject: string, body: string): Promise<OutgoingMail> {
    const locale = contact?.locale ?? 'de';
    return composeMail(contact?.email ?? '', locale, {
      key: 'messages.mail',
      params: { name: contact ? greetingNameOf(contact) : '', region: config.region.name },
      own: { subject, paragraphs: paragraphsOf(body) },
      kind: MESSAGE_KIND,
      userId,
    });
  }

  /** Composes and queues the mails of recipients not yet reached, a batch per transaction; safe on several instances at once. */
  async function expandPending(): Promise<number> {
    let queued = 0;
    for (;;) {
      const batch = await db.transaction(async (trx) => {
        const pending = await queries.claimPendingRecipients(trx, EXPANSION_BATCH);
        if (pending.length === 0) return 0;
        const contacts = await contactsOf(trx, pending.map((recipient) => recipient.user_id));
        const mails: OutgoingMail[] = [];
        const reached: queries.PendingRecipient[] = [];
        for (const recipient of pending) {
          const contact = contacts.get(recipient.user_id);
          // Someone deactivated since sending is not written to; their row is done without a mail.
          if (!contact?.active) {
            await queries.markQueued(trx, recipient.message_id, recipient.user_id, null);
            continue;
          }
          mails.push(await composeFor(contact, recipient.user_id, recipient.subject, recipient.body));
          reached.push(recipient);
        }
        const logIds = await outbox.queue(trx, mails);
        for (const [index, recipient] of reached.entries()) await queries.markQueued(trx, recipient.message_id, recipient.user_id, logIds[index] ?? null);
        return pending.length;
      });
      queued += batch;
      if (batch < EXPANSION_BATCH) break;
    }
    await queries.finishExpandedMessages(db);
    if (queued > 0) logger.info({ queued }, 'coordinator messages queued');
    return queued;
  }

  return {
    expandPending,

    /** The form: the offering and how many people each group has. */
    async compose(user: SessionUser, offeringId: number) {
      assertCan(user, 'messages.send');
      const offering = await offeringOrNotFound(offeringId);
      const counts = await queries.countRecipients(db, offeringId, []);
      return { offering, counts };
    },

    /** What the mail will look like (in the coordinator's language) and how many it reaches. */
    async preview(user: SessionUser, offeringId: number, input: MessageInput) {
      assertCan(user, 'messages.send');
      const offering = await offeringOrNotFound(offeringId);
      const counts = await queries.countRecipients(db, offeringId, input.groups);
      // Each recipient is greeted by name; the preview shows where.
      const placeholder = translatorFor(user.locale)('messages.preview.namePlaceholder');
      const mail = await composeFor({ email: '', locale: user.locale, firstName: placeholder, lastName: '' }, null, input.subject, input.body);
      return { offering, counts, mail };
    },

    /** Stores the message and its recipients, audits it and returns; the mails are composed in the background. */
    async send(user: SessionUser, offeringId: number, input: MessageInput, actor: Actor): Promise<{ id: number; recipientCount: number }> {
      assertCan(user, 'messages.send');
      const created = await db.transaction(async (trx) => {
        if (!(await offeringsForSeats.find(trx, offeringId))) throw new NotFound();
        const message = await queries.insertMessage(trx, { offeringId, senderUserId: user.id, groups: input.groups, subject: input.subject, body: input.body });
        if (message.recipientCount === 0) throw new Invalid({ groups: 'messages.errors.noRecipients' });
        await recordAudit(trx, actor, {
          action: 'message.sent',
          subjectType: 'offering',
          subjectId: offeringId,
          after: { messageId: message.id, groups: input.groups, recipients: message.recipientCount, subject: input.subject },
        });
        return message;
      });
      outbox.defer(async () => void (await expandPending()));
      return created;
    },

    /** The latest messages with their delivery, for the offering's own page; nothing for who may not send. */
    async recentOfOffering(user: SessionUser, offeringId: number, limit: number) {
      if (!can(user, 'messages.send')) return null;
      const rows = await queries.selectMessagesOfOffering(db, offeringId, limit, 0);
      return { messages: rows, total: rows[0]?.all_messages ?? 0 };
    },

    async list(user: SessionUser, offeringId: number, page: number) {
      assertCan(user, 'messages.send');
      const offering = await offeringOrNotFound(offeringId);
      const window = pageWindow(page, MESSAGES_PAGE_SIZE);
      const rows = await queries.selectMessagesOfOffering(db, offeringId, window.limit, window.offset);
      return { offering, messages: pageOf(rows, rows[0]?.all_messages ?? 0, window) };
    },

    async show(user: SessionUser, offeringId: number, messageId: number) {
      assertCan(user, 'messages.send');
      const offering = await offeringOrNotFound(offeringId);
      const message = await queries.selectMessage(db, offeringId, messageId);
      if (!message) throw new NotFound();
      const failed = message.failed > 0 ? await queries.selectFailedRecipients(db, messageId, FAILED_SHOWN) : [];
      return { offering, message, failed };
    },

    /** Sends every given-up mail of the message once more. */
    async retryFailed(user: SessionUser, offeringId: number, messageId: number, actor: Actor): Promise<number> {
      assertCan(user, 'messages.send');
      return db.transaction(async (trx) => {
        const message = await queries.selectMessage(trx, offeringId, messageId);
        if (!message) throw new NotFound();
        const logIds = await queries.selectFailedLogIds(trx, messageId);
        const retried = await outbox.retryFailed(trx, logIds);
        if (retried > 0) await recordAudit(trx, actor, { action: 'message.retried', subjectType: 'offering', subjectId: offeringId, after: { messageId, recipients: retried } });
        return retried;
      });
    },
  };
}

export type MessagesService = ReturnType<typeof createMessagesService>;
