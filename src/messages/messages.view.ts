import type { TFunction } from 'i18next';
import type { MessageWithProgress } from './messages.queries';

/** A message as its page and the list show it: groups in words, the sender, and whether delivery is still under way. */
export function messageView(t: TFunction, message: MessageWithProgress) {
  const finished = message.sent + message.failed;
  return {
    id: message.id,
    subject: message.subject,
    body: message.body,
    createdAt: message.created_at,
    groups: message.groups.map((group) => t(`messages.groups.${group}`)).join(', '),
    sender: message.sender_first_name ? `${message.sender_first_name} ${message.sender_last_name ?? ''}`.trim() : t('messages.unknownSender'),
    total: message.total,
    queued: message.queued,
    sent: message.sent,
    failed: message.failed,
    /** Nothing left to compose or to try: the page stops refreshing itself. */
    done: message.expanded_at !== null && finished >= message.queued,
  };
}
