import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import type { Config } from '../config';
import { translatorFor, type Locale } from '../i18n/i18n';
import { dataCategories, describeCategories, type DescribedCategory } from './categories';

export type ProcessingRecord = {
  regionName: string;
  projectName: string;
  controller: { name: string; address: string; contact: string };
  dataProtectionOfficer: string;
  activities: DescribedCategory[];
  generatedAt: Date;
};

/**
 * The record of processing activities (Art. 30 DSGVO) is not written by hand: it is the
 * list of categories with their retention periods (categories.ts) and the configured
 * controller, so it says what the app actually does. For administration only.
 */
export function createProcessingRecords(config: Config, now: () => Date = () => new Date()) {
  return {
    record(user: SessionUser, locale: Locale): ProcessingRecord {
      assertCan(user, 'privacy.manage');
      const t = translatorFor(locale) as unknown as (key: string, options?: Record<string, unknown>) => string;
      return {
        regionName: config.region.name,
        projectName: config.region.projectName,
        controller: { name: config.legal.controllerName, address: config.legal.controllerAddress, contact: config.legal.controllerContact },
        dataProtectionOfficer: config.legal.dataProtectionOfficer,
        activities: describeCategories(t, dataCategories(config)),
        generatedAt: now(),
      };
    },
  };
}

export type ProcessingRecords = ReturnType<typeof createProcessingRecords>;
