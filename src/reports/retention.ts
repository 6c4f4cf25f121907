/**
 * The reports domain's part of the Löschkonzept: the cached start-page figures hold ids of
 * people at risk of not completing; they are worth minutes, so a day-old row is removed.
 */
import type { Knex } from 'knex';
import { deleteSnapshotsComputedBefore, snapshotsComputedBefore } from './snapshots.queries';

export { deleteSnapshotsComputedBefore };

export function countSnapshotsComputedBefore(db: Knex | Knex.Transaction, before: Date): Knex.QueryBuilder {
  return snapshotsComputedBefore(db, before).count('*');
}
