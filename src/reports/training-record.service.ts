import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { ATTENDED_STATUSES } from '../attendance/attendance-rules';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { NotFound } from '../shared/errors';
import * as queries from './training-record.queries';

export type TrainingRecord = {
  person: queries.RecordPerson;
  dates: queries.AttendedDate[];
  certificates: queries.VerifiableCertificate[];
  totalUnits: number;
  issuedAt: Date;
  regionName: string;
  projectName: string;
  fundingLine: string;
};

/**
 * The personal training record ("Fortbildungsnachweis"): every attended date and every
 * valid certificate of one person, for their personnel file. Anybody logged in gets their
 * own; coordination gets anybody's, and that disclosure of personal data is audited.
 */
export function createTrainingRecordService(db: Database, config: Config, now: () => Date = () => new Date()) {
  async function recordOf(userId: number): Promise<TrainingRecord> {
    const issuedAt = now();
    // Independent reads: three statements side by side, whatever the person's history.
    const [person, dates, certificates] = await Promise.all([
      queries.findPerson(db, userId),
      queries.selectAttendedDates(db, userId, ATTENDED_STATUSES, issuedAt),
      queries.selectCertificates(db, userId),
    ]);
    if (!person) throw new NotFound();
    return {
      person,
      dates,
      certificates,
      totalUnits: dates.reduce((sum, date) => sum + date.teaching_units, 0),
      issuedAt,
      regionName: config.region.name,
      projectName: config.region.projectName,
      fundingLine: config.region.fundingLine,
    };
  }

  return {
    /** The logged-in person's own record. */
    mine(user: SessionUser): Promise<TrainingRecord> {
      return recordOf(user.id);
    },

    /** Any person's record for coordination; NotFound for an unknown person. */
    async forPerson(user: SessionUser, userId: number, actor: Actor): Promise<TrainingRecord> {
      assertCan(user, 'reports.view');
      const record = await recordOf(userId);
      await recordAudit(db, actor, { action: 'training_record.downloaded', subjectType: 'user', subjectId: userId });
      return record;
    },
  };
}

export type TrainingRecordService = ReturnType<typeof createTrainingRecordService>;
