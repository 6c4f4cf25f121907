import type { Config } from '../config';
import type { Database } from '../db/database';
import { recordAudit } from '../audit/audit.service';
import type { Actor } from '../audit/audit.service';
import type { ScheduledJob } from '../jobs/jobs';
import { composeMail, greetingNameOf } from '../mail/compose';
import type { Outbox } from '../mail/outbox.service';
import * as queries from './accounts.queries';
import { newSecretToken } from './tokens';

/**
 * "Passwort vergessen": the request is stored as a row, for every address alike (one
 * insert: the same answer in the same time, whether an account exists or not), and
 * handled right after the answer in the background, and every minute from the job queue
 * for whatever a crash or an outage left. Handling takes the row out in the same
 * transaction that stores the token and queues the mail, so each request is handled once.
 */
export function createPasswordResetRequests({ db, outbox, config }: { db: Database; outbox: Outbox; config: Config }) {
  async function handleOne(): Promise<boolean> {
    return db.transaction(async (trx) => {
      const request = await queries.claimResetRequest(trx);
      if (!request) return false;
      const user = await queries.findUserByEmail(trx, request.email);
      // Unknown or deactivated: nothing to send, and the typed address is gone with the row.
      if (!user || !user.active) return true;
      const { token, tokenHash } = newSecretToken();
      await queries.insertAccountToken(trx, {
        user_id: user.id,
        purpose: 'password_reset',
        token_hash: tokenHash,
        expires_at: new Date(Date.now() + config.passwordResetTtlMinutes * 60 * 1000),
      });
      const actor: Actor = { userId: null, ip: request.actor_ip, requestId: request.request_id };
      await recordAudit(trx, actor, { action: 'password_reset.requested', subjectType: 'user', subjectId: user.id });
      const mail = await composeMail(user.email, user.locale, {
        key: 'mail.passwordReset',
        // Only a proven address is greeted by name (anybody can register any address with any name).
        params: { name: user.email_verified_at ? greetingNameOf({ firstName: user.first_name, lastName: user.last_name }) : undefined, minutes: config.passwordResetTtlMinutes, region: config.region.name },
        actionUrl: `${config.baseUrl}/password/reset/${token}`,
      });
      await outbox.queue(trx, [mail]);
      return true;
    });
  }

  async function handlePending(): Promise<number> {
    let handled = 0;
    while (await handleOne()) handled += 1;
    return handled;
  }

  return {
    async request(email: string, actor: Actor): Promise<void> {
      await queries.insertResetRequest(db, { email: email.slice(0, 254), actor_ip: actor.ip, request_id: actor.requestId });
      outbox.defer(async () => {
        await handlePending();
      });
    },
    handlePending,
  };
}

export type PasswordResetRequests = ReturnType<typeof createPasswordResetRequests>;

/** Requests left open by a crash or an outage, every minute on whichever instance takes the job. */
export function passwordResetRequestsJob(requests: PasswordResetRequests): ScheduledJob {
  return { name: 'password-reset-requests', cron: '* * * * *', run: () => requests.handlePending() };
}
