import type { Database } from '../db/database';
import { offeringCompleted, seriesProgress, type AttendedSession, type ModuleInfo } from './completion';
import * as queries from './completion-read.queries';

/** What the rules need to know about an offering and its programme. */
export type OfferingForCompletion = {
  id: number;
  programme_id: number;
  kind: 'series' | 'workshop' | 'event';
  completion_rule: 'all' | 'min';
  completion_min_modules: number | null;
  modules: ModuleInfo[];
};

/**
 * Published read for other domains (certificates): which confirmed people of an offering have
 * completed it at `moment`, in one statement whatever the size of the offering or of the
 * programme's history. The decision is made by the pure rules in completion.ts, on the first
 * attended session per module (all the rules look at), so it cannot drift from progress,
 * the matrix or issuing.
 */
export async function completedInOffering(db: Database, offering: OfferingForCompletion, moment: Date): Promise<Set<number>> {
  const rows = await queries.selectAttendedModulesOfConfirmed(db, offering, moment);
  const rule = { rule: offering.completion_rule, minModules: offering.completion_min_modules };
  const completed = new Set<number>();
  // Only people who attended something can have completed: a rule needs at least one module (a check constraint).
  for (const row of rows) {
    const attended: AttendedSession[] = row.modules.map(([moduleId, offeringId, firstMs]) => ({ moduleId, offeringId, startsAt: new Date(Number(firstMs)) }));
    const done = offering.kind === 'series' ? seriesProgress(offering.modules, rule, attended, [], moment).completed : offeringCompleted(attended, offering.id, moment);
    if (done) completed.add(row.user_id);
  }
  return completed;
}
