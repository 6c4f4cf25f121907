import type { Database } from '../db/database';
import * as queries from './answers.queries';

/*
 * What the evaluation domain publishes for the participant's start page: the evaluations still
 * waiting for the person's answer ("Offene Rückmeldungen"). The page has a budget of six
 * statements, so the one statement also carries the count of valid certificates, read from the
 * certificates domain's published view `certificates_issued` (its start page figure).
 */

export type OpenEvaluation = Omit<queries.OpenEvaluationRow, 'total'>;
export type StartEntries = { evaluations: { evaluations: OpenEvaluation[]; total: number }; certificateCount: number };

export async function openEvaluationsAndCertificateCountOf(db: Database, userId: number, moment: Date, limit: number): Promise<StartEntries> {
  const row = await queries.selectStartEntries(db, userId, moment, limit);
  return { evaluations: { evaluations: row.evaluations, total: row.total }, certificateCount: row.certificate_count };
}

