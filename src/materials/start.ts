import type { Database } from '../db/database';
import { selectRecentForTrainer, type RecentMaterialRow } from './start.queries';

/** Published for the start page: what was uploaded lately to the offerings a trainer teaches. */
export type RecentMaterial = RecentMaterialRow;

export function recentMaterialsForTrainer(db: Database, trainerId: number, since: Date, limit: number): Promise<RecentMaterial[]> {
  return selectRecentForTrainer(db, trainerId, since, limit);
}
