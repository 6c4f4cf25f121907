import { createLogger } from '../../src/http/logger';
import type { Mailer, OutgoingMail } from '../../src/mail/mailer';
import { createOutbox, describeSendError, MAX_ATTEMPTS, retryDelayMs } from '../../src/mail/outbox.service';
import { useTestApp } from '../support/app';
import { openTestDatabase } from '../support/database';
import { createOrganisation, createUser } from '../support/factories';
import { newAgent, submitForm } from '../support/http';

const PASSWORD = 'Ein-langer-Satz-als-Passwort';

function recordingMailer(): Mailer & { sent: OutgoingMail[] } {
  const sent: OutgoingMail[] = [];
  return { sent, send: async (mail) => void sent.push(mail), close: () => undefined };
}

describe('mail outbox', () => {
  const ctx = useTestApp();

  async function register(email: string) {
    const organisation = await createOrganisation(ctx.db);
    const fields = { firstName: 'Jana', lastName: 'Köhler', email, organisationId: String(organisation.id), password: PASSWORD, passwordConfirm: PASSWORD, privacyAccepted: 'yes' };
    return submitForm(newAgent(ctx.app), '/register', '/register', fields);
  }

  const requestReset = (email: string) => submitForm(newAgent(ctx.app), '/password/forgot', '/password/forgot', { email });

  /** Moves pending mails' next attempt to now, as if the backoff had passed. */
  const backoffPassed = () => ctx.db('outgoing_mails').whereNull('sent_at').update({ next_attempt_at: ctx.db.fn.now() });

  it('registration and password reset answer exactly as usual while the mail server is down, and send the mails once it is back', async () => {
    const working = await register('vorher@gemeinde.example');
    const user = await createUser(ctx.db, { firstName: 'Tobias' });
    const resetWorking = await requestReset(user.email);
    await ctx.deliverMail();
    ctx.mailbox.length = 0;

    ctx.transportDown = true;
    const down = await register('waehrend@gemeinde.example');
    const resetDown = await requestReset(user.email);
    for (const [during, before] of [
      [down, working],
      [resetDown, resetWorking],
    ] as const) {
      expect(during.status).toBe(303);
      expect(during.headers.location).toBe(before.headers.location);
      expect(during.text).toBe(before.text);
    }
    await ctx.deliverMail();
    expect(ctx.mailbox).toEqual([]);
    // The account exists and its mail waits, with the reason and a retry time a minute on.
    expect(await ctx.db('users').where({ email: 'waehrend@gemeinde.example' })).toHaveLength(1);
    const pending = await ctx.db('outgoing_mails').whereNull('sent_at').orderBy('id');
    expect(pending.map((row) => row.recipient)).toEqual(['waehrend@gemeinde.example', user.email]);
    for (const row of pending) {
      expect(row.attempts).toBeGreaterThanOrEqual(1);
      expect(row.last_error).toContain('ECONNECTION');
      expect(row.next_attempt_at.getTime()).toBeGreaterThan(Date.now() + 30_000);
    }

    ctx.transportDown = false;
    await backoffPassed();
    const result = await ctx.outbox.deliverDue();
    expect(result).toEqual({ sent: 2, retrying: 0, failed: 0 });
    expect(ctx.mailbox.map((mail) => `${mail.to} | ${mail.subject}`)).toEqual([
      'waehrend@gemeinde.example | Bitte bestätigen Sie Ihre E-Mail-Adresse',
      `${user.email} | Passwort zurücksetzen`,
    ]);
    expect(await ctx.outbox.deliverDue()).toEqual({ sent: 0, retrying: 0, failed: 0 });
  });

  it('sends each mail once when two instances deliver at the same time', async () => {
    const instanceA = { db: openTestDatabase(), mailer: recordingMailer() };
    const instanceB = { db: openTestDatabase(), mailer: recordingMailer() };
    const logger = createLogger(ctx.config);
    try {
      const a = createOutbox({ db: instanceA.db, mailer: instanceA.mailer, logger });
      const b = createOutbox({ db: instanceB.db, mailer: instanceB.mailer, logger });
      const mails = Array.from({ length: 50 }, (_, index) => ({ to: `person${index}@gemeinde.example`, subject: `Nachricht ${index}`, text: 'Text', html: '<p>Text</p>' }));
      // Written straight into the table: no instance was nudged, both start from the same due rows.
      await ctx.db.transaction(async (trx) => {
        await trx('outgoing_mails').insert(mails.map((mail) => ({ recipient: mail.to, subject: mail.subject, text: mail.text, html: mail.html })));
      });
      await Promise.all([a.deliverDue(), b.deliverDue(), a.deliverDue(), b.deliverDue()]);
      const sent = [...instanceA.mailer.sent, ...instanceB.mailer.sent].map((mail) => mail.to).sort();
      expect(sent).toEqual(mails.map((mail) => mail.to).sort());
      expect(await ctx.db('outgoing_mails').whereNull('sent_at')).toEqual([]);
    } finally {
      await instanceA.db.destroy();
      await instanceB.db.destroy();
    }
  });

  it('queues mail with the transaction of the change: a rollback sends nothing', async () => {
    await ctx.db
      .transaction(async (trx) => {
        await ctx.outbox.queue(trx, [{ to: 'niemand@gemeinde.example', subject: 'Nie', text: 'x', html: 'x' }]);
        throw new Error('business rule failed');
      })
      .catch(() => undefined);
    await ctx.deliverMail();
    expect(ctx.mailbox).toEqual([]);
    expect(await ctx.db('outgoing_mails')).toEqual([]);
  });

  it('keeps a mail\'s calendar part, person and kind through the queue to the transport', async () => {
    const calendar = { method: 'CANCEL' as const, content: 'BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n' };
    await ctx.outbox.queue(ctx.db, [{ to: 'a@gemeinde.example', subject: 'Abgesagt', text: 'x', html: 'x', calendar, kind: 'session.cancelled' }]);
    await ctx.deliverMail();
    expect(ctx.mailbox).toEqual([expect.objectContaining({ to: 'a@gemeinde.example', calendar, kind: 'session.cancelled', userId: null })]);
  });

  it('backs off 1, 2, 4 … minutes up to an hour and gives up after the last attempt', async () => {
    expect([1, 2, 3, 4, 6, 7, 20].map((attempts) => retryDelayMs(attempts) / 60_000)).toEqual([1, 2, 4, 8, 32, 60, 60]);
    ctx.transportDown = true;
    await ctx.outbox.queue(ctx.db, [{ to: 'weg@gemeinde.example', subject: 'Betreff', text: 'x', html: 'x' }]);
    await ctx.deliverMail();
    await ctx.db('outgoing_mails').update({ attempts: MAX_ATTEMPTS - 1, next_attempt_at: ctx.db.fn.now() });
    expect(await ctx.outbox.deliverDue()).toEqual({ sent: 0, retrying: 0, failed: 1 });
    const [row] = await ctx.db('outgoing_mails');
    expect(row.failed_at).toBeInstanceOf(Date);
    expect(row.sent_at).toBeNull();
    ctx.transportDown = false;
    await backoffPassed();
    expect(await ctx.outbox.deliverDue()).toEqual({ sent: 0, retrying: 0, failed: 0 });
  });

  it('keeps credentials out of the stored error', () => {
    const error = Object.assign(new Error('Invalid login: 535 for smtp://mailer:geheim@smtp.example:587 after AUTH PLAIN dXNlcjpnZWhlaW0='), { code: 'EAUTH', responseCode: 535 });
    const described = describeSendError(error);
    expect(described).toContain('EAUTH 535');
    expect(described).not.toContain('geheim');
    expect(described).not.toContain('dXNlcjpnZWhlaW0=');
  });

  it('deletes sent mails after 30 days and keeps newer, pending and failed ones', async () => {
    const day = 24 * 60 * 60 * 1000;
    const old = new Date(Date.now() - 31 * day);
    const base = { subject: 's', text: 't', html: 'h' };
    await ctx.db('outgoing_mails').insert([
      { ...base, recipient: 'alt@gemeinde.example', sent_at: old },
      { ...base, recipient: 'neu@gemeinde.example', sent_at: new Date(Date.now() - 29 * day) },
      { ...base, recipient: 'gescheitert@gemeinde.example', failed_at: old, next_attempt_at: new Date(Date.now() + day) },
    ]);
    expect(await ctx.outbox.deleteExpired()).toBe(1);
    expect((await ctx.db('outgoing_mails').orderBy('id')).map((row) => row.recipient)).toEqual(['neu@gemeinde.example', 'gescheitert@gemeinde.example']);
  });

  it('deletes mails given up on after 90 days', async () => {
    const day = 24 * 60 * 60 * 1000;
    const base = { subject: 's', text: 't', html: 'h', next_attempt_at: new Date(Date.now() + day) };
    await ctx.db('outgoing_mails').insert([
      { ...base, recipient: 'lange-her@gemeinde.example', failed_at: new Date(Date.now() - 91 * day) },
      { ...base, recipient: 'vor-kurzem@gemeinde.example', failed_at: new Date(Date.now() - 89 * day) },
    ]);
    expect(await ctx.outbox.deleteExpired()).toBe(1);
    expect((await ctx.db('outgoing_mails')).map((row) => row.recipient)).toEqual(['vor-kurzem@gemeinde.example']);
  });
});
