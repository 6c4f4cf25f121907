import type { Knex } from 'knex';
import type { RetentionCounts } from './retention.rules';

type Db = Knex | Knex.Transaction;

export type RetentionRunRow = { id: number; started_at: Date; finished_at: Date | null; counts: RetentionCounts; error: string | null };

/** The privacy domain's own table: one row per run of the retention job. */
export async function insertRun(db: Db, startedAt: Date): Promise<number> {
  const [row] = await db('retention_runs').insert({ started_at: startedAt }).returning('id');
  return Number((row as { id: number | string }).id);
}

export async function finishRun(db: Db, id: number, finishedAt: Date, counts: RetentionCounts, error: string | null): Promise<void> {
  await db('retention_runs').where('id', id).update({ finished_at: finishedAt, counts: JSON.stringify(counts), error });
}

export async function lastRun(db: Db): Promise<RetentionRunRow | null> {
  const row = await db('retention_runs').first('id', 'started_at', 'finished_at', 'counts', 'error').orderBy('started_at', 'desc').orderBy('id', 'desc');
  return row ? { ...row, id: Number(row.id) } : null;
}

/**
 * Offerings whose records are past the funder's retention: every session ended before
 * `endedBefore` (read from the catalog's published view). A sub-select the owning domains
 * use in their deletes, so "ended" is decided once.
 */
export function offeringsEndedBefore(db: Db, endedBefore: Date): Knex.QueryBuilder {
  return db('catalog_session_schedule').select('offering_id').groupBy('offering_id').havingRaw('max(ends_at) < ?', [endedBefore]);
}

/** Ids of inactive accounts without any record still kept: the owners' sub-selects, combined. */
export function inactiveWithoutRecords(db: Db, inactiveIds: Knex.QueryBuilder, stillKept: Knex.QueryBuilder[]): Knex.QueryBuilder {
  const query = db.from(inactiveIds.as('inactive')).select('inactive.id');
  for (const kept of stillKept) query.whereNotIn('inactive.id', kept);
  return query;
}

export function countInactiveWithoutRecords(db: Db, inactiveIds: Knex.QueryBuilder, stillKept: Knex.QueryBuilder[]): Knex.QueryBuilder {
  return inactiveWithoutRecords(db, inactiveIds, stillKept).clearSelect().count('*');
}

/** Every category's count in one statement: each owner's COUNT is a sub-select. */
export async function countAll(db: Db, parts: Record<string, Knex.QueryBuilder>): Promise<Record<string, number>> {
  const columns = Object.entries(parts).map(([name, part]) => db.raw('(?)::int AS ??', [part, name]));
  const row = (await db.first(columns)) as Record<string, number>;
  return Object.fromEntries(Object.keys(parts).map((name) => [name, Number(row[name] ?? 0)]));
}
