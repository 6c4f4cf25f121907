import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/*
 * report_completion_snapshots (migration 20261212270000): the start page's completions and
 * people at risk of a year and programme, computed at most every REPORT_FIGURES_MAX_AGE_SECONDS
 * by whichever instance sees them stale. One row per scope, replaced on every computation,
 * so the table stays as small as years × programmes. No names are stored.
 */

export type SnapshotAtRisk = { userId: number; offeringTitle: string; missingModules: string[] };
export type CompletionSnapshot = { scope: string; year: number; programmeId: number | null; computedAt: Date; completions: number; atRisk: SnapshotAtRisk[]; atRiskCount: number };
/** A snapshot as read for the page: the people at risk with their names of now (accounts_people). */
export type StoredSnapshot = {
  computed_at: string;
  completions: number;
  at_risk_count: number;
  at_risk: (SnapshotAtRisk & { firstName: string; lastName: string })[];
};

export const snapshotScope = (year: number, programmeId: number | null) => `${year}:${programmeId ?? 'all'}`;

/**
 * A sub-select for one column of a bigger statement (selectDashboardFigures), so that the
 * cache costs no statement of its own: the scope's snapshot if computed after :snapshotFreshAfter,
 * with the names of its people at risk, or null. Parameters: :snapshotScope, :snapshotFreshAfter.
 */
export const FRESH_SNAPSHOT_COLUMN = `(SELECT json_build_object(
          'computed_at', r.computed_at, 'completions', r.completions, 'at_risk_count', r.at_risk_count,
          'at_risk', (SELECT coalesce(json_agg(json_build_object(
                               'userId', (e.item->>'userId')::int, 'offeringTitle', e.item->>'offeringTitle', 'missingModules', e.item->'missingModules',
                               'firstName', coalesce(p.first_name, ''), 'lastName', coalesce(p.last_name, '')) ORDER BY e.position), '[]')
                        FROM jsonb_array_elements(r.at_risk) WITH ORDINALITY AS e(item, position)
                        LEFT JOIN accounts_people p ON p.user_id = (e.item->>'userId')::int))
       FROM report_completion_snapshots r
      WHERE r.scope = :snapshotScope AND r.computed_at > :snapshotFreshAfter)`;

/** Stores a computation, replacing the scope's row (two instances at once: the later one wins, both are right). */
export async function upsertCompletionSnapshot(db: Db, snapshot: CompletionSnapshot): Promise<void> {
  await db('report_completion_snapshots')
    .insert({
      scope: snapshot.scope,
      year: snapshot.year,
      programme_id: snapshot.programmeId,
      computed_at: snapshot.computedAt,
      completions: snapshot.completions,
      at_risk: JSON.stringify(snapshot.atRisk),
      at_risk_count: snapshot.atRiskCount,
    })
    .onConflict('scope')
    .merge();
}

/** Retention: snapshots computed before `before` (a fresh view computes its own again). */
export function snapshotsComputedBefore(db: Db, before: Date): Knex.QueryBuilder {
  return db('report_completion_snapshots').where('computed_at', '<', before);
}

export async function deleteSnapshotsComputedBefore(db: Db, before: Date): Promise<number> {
  return snapshotsComputedBefore(db, before).delete();
}
