import type { Database } from '../db/database';
import type { SeatsListener } from './offering-seats';
import { createOfferingsService } from './offerings.service';
import { createProgrammesService } from './programmes.service';
import { createSessionsService } from './sessions.service';
import { nobodyListens, type SessionsListener } from './sessions.listener';

export type { SessionSaved, SessionWithTrainers, TrainerConflict } from './sessions.service';

/**
 * What the coordinators' catalog pages use: programmes with their modules, offerings,
 * and sessions, each its own service (one aggregate each), offered here as one.
 */
export function createManageCatalogService(db: Database, seats: SeatsListener, sessionsListener: SessionsListener = nobodyListens) {
  return { ...createProgrammesService(db), ...createOfferingsService(db, seats, sessionsListener), ...createSessionsService(db, sessionsListener) };
}

export type ManageCatalogService = ReturnType<typeof createManageCatalogService>;
