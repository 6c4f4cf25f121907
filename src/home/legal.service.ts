import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { translatorFor, type Translate } from '../i18n/i18n';
import { composeMail, greetingNameOf } from '../mail/compose';
import type { OutgoingMail } from '../mail/mailer';
import type { Outbox } from '../mail/outbox.service';
import { dataCategories, describeCategories } from '../privacy/categories';
import { formatDate } from '../shared/format';
import * as queries from './legal.queries';
import type { AccessibilityFeedback } from './legal.schemas';

export type LegalDeps = { db: Database; outbox: Outbox; config: Config; logger: Logger };

/**
 * The pages a public body must have (privacy notice, accessibility statement with its
 * feedback form, Leichte Sprache): texts from the catalogs, what differs per region from
 * the configuration, the retention periods from the privacy domain's list of categories.
 */
export function createLegalService({ db, outbox, config, logger }: LegalDeps) {
  const legal = config.legal;

  return {
    /** Controller, data protection officer and every category with its period, in the reader's language. */
    privacyNotice(t: Translate) {
      return {
        controller: { name: legal.controllerName, address: legal.controllerAddress, contact: legal.controllerContact },
        dataProtectionOfficer: legal.dataProtectionOfficer,
        categories: describeCategories(t as unknown as (key: string, options?: Record<string, unknown>) => string, dataCategories(config)),
        // The evaluation section names the installation's threshold and how long the anonymous answers are kept.
        evaluation: { minResponses: config.evaluation.minResponses, answersKeptYears: config.retention.fundingYears },
      };
    },

    accessibilityStatement() {
      return {
        controllerName: legal.controllerName,
        site: config.baseUrl,
        // A calendar date: noon keeps it on the same day in Berlin whatever the server's zone.
        statementDate: formatDate(new Date(`${legal.accessibilityStatementDate}T12:00:00Z`)),
        enforcementUrl: legal.enforcementUrl,
      };
    },

    /**
     * Feedback on barriers reaches the coordination by mail (BITV 2.0 § 7 asks for a way to
     * report them): to the configured address, else to every active coordinator, each in
     * their language. Queued in one transaction; nothing else about the sender is stored.
     */
    async sendAccessibilityFeedback(feedback: AccessibilityFeedback): Promise<void> {
      await db.transaction(async (trx) => {
        const recipients = legal.accessibilityFeedbackEmail
          ? [{ email: legal.accessibilityFeedbackEmail, name: undefined, locale: 'de' as const }]
          : (await queries.selectActiveCoordinators(trx)).map((row) => ({ email: row.email, name: greetingNameOf({ firstName: row.first_name, lastName: row.last_name }), locale: row.locale }));
        if (recipients.length === 0) {
          logger.error('accessibility feedback has no recipient: no active coordinator and no ACCESSIBILITY_FEEDBACK_EMAIL');
          return;
        }
        const mails: OutgoingMail[] = [];
        for (const recipient of recipients) {
          mails.push(
            await composeMail(recipient.email, recipient.locale, {
              key: 'home.accessibility.mail',
              params: { name: recipient.name, sender: feedback.name || translatorFor(recipient.locale)('home.accessibility.mail.noName'), email: feedback.email, message: feedback.message, region: config.region.name },
            }),
          );
        }
        await outbox.queue(trx, mails);
      });
    },
  };
}

export type LegalService = ReturnType<typeof createLegalService>;
