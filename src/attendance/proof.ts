import type { Database } from '../db/database';
import * as queries from './participant-list.queries';

/*
 * Published read model of the attendance domain (for the coordinator's start page in
 * src/reports): which past sessions still lack their proof. The funder takes one signed
 * participant list per offering and day, so a scan uploaded for any session of that day
 * proves every session of it.
 */

export type MissingProof = Omit<queries.MissingProofRow, 'total'>;
export type MissingProofFilter = queries.MissingProofFilter;

/**
 * Sessions that ended by `moment`, of published offerings with confirmed people, without a
 * signed sheet for their day; optionally only those starting in [`from`, `until`) and of one
 * programme. Oldest first, at most `limit`, and how many there are in all: one statement.
 */
export async function sessionsMissingProof(db: Database, filter: MissingProofFilter): Promise<{ sessions: MissingProof[]; total: number }> {
  const rows = await queries.selectSessionsMissingProof(db, filter);
  return { sessions: rows.map(({ total: _total, ...session }) => session), total: rows[0]?.total ?? 0 };
}
