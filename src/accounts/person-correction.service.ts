import { recordAudit, type Actor } from '../audit/audit.service';
import type { Database } from '../db/database';
import { Invalid, NotFound } from '../shared/errors';
import { assertCan } from './permissions';
import * as queries from './person-correction.queries';
import { findOrganisation } from './organisations.queries';
import type { PersonCorrectionInput } from './person-correction.schemas';
import type { SessionUser } from './roles';

/**
 * Right to rectification (Art. 16 DSGVO): coordination corrects a person's name, department
 * and organisation. The audit trail records the fields that changed, before and after. An
 * anonymised person is not "corrected" back into existence.
 */
export function createPersonCorrectionService(db: Database, options: { now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date());

  async function person(userId: number) {
    const row = await queries.selectPersonForCorrection(db, userId);
    if (!row || row.anonymised_at) throw new NotFound();
    return row;
  }

  return {
    async get(user: SessionUser, userId: number) {
      assertCan(user, 'people.correct');
      return person(userId);
    },

    async correct(user: SessionUser, userId: number, input: PersonCorrectionInput, actor: Actor): Promise<void> {
      assertCan(user, 'people.correct');
      await db.transaction(async (trx) => {
        const current = await queries.selectPersonForCorrection(trx, userId);
        if (!current || current.anonymised_at) throw new NotFound();
        if (!(await findOrganisation(trx, input.organisationId))) throw new Invalid({ organisationId: 'validation.selectOne' });
        const next: queries.PersonCorrection = {
          first_name: input.firstName,
          last_name: input.lastName,
          department: input.department === '' ? null : input.department,
          organisation_id: input.organisationId,
        };
        const changed = (Object.keys(next) as (keyof queries.PersonCorrection)[]).filter((key) => next[key] !== current[key]);
        if (changed.length === 0) return;
        await queries.updatePersonCorrection(trx, userId, next, now());
        await recordAudit(trx, actor, {
          action: 'user.corrected',
          subjectType: 'user',
          subjectId: userId,
          before: Object.fromEntries(changed.map((key) => [key, current[key]])),
          after: Object.fromEntries(changed.map((key) => [key, next[key]])),
        });
      });
    },
  };
}

export type PersonCorrectionService = ReturnType<typeof createPersonCorrectionService>;
