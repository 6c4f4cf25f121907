import { Router } from 'express';
import { requireLogin, requireRole } from '../http/guards';
import { createCoordinatorStartHandlers } from './coordinator-start.handlers';
import type { CoordinatorStart } from './coordinator-start.service';
import { createPeopleHandlers } from './people.handlers';
import type { PeopleView } from './people.service';
import { createReportsHandlers } from './reports.handlers';
import type { ReportsService } from './reports.service';
import { createTrainingRecordHandlers } from './training-record.handlers';
import type { TrainingRecordService } from './training-record.service';

/** Funder reports for coordination; the service checks `reports.view` itself. */
export function reportsRouter(reports: ReportsService): Router {
  const handlers = createReportsHandlers(reports);
  const coordinator = requireRole('coordinator', 'admin');
  const router = Router();
  router.get('/reports', coordinator, handlers.chooser);
  router.get('/reports/funder', coordinator, handlers.funder);
  router.get('/reports/funder.csv', coordinator, handlers.funderFile);
  router.get('/reports/funder.xlsx', coordinator, handlers.funderFile);
  router.get('/reports/trainers', coordinator, handlers.trainers);
  router.get('/reports/trainers.csv', coordinator, handlers.trainerFile);
  router.get('/reports/trainers.xlsx', coordinator, handlers.trainerFile);
  return router;
}

/** The coordinator's start-page figures on their own page, and the cross-offering person view; the services check `reports.view`. */
export function startFiguresRouter(coordinatorStart: CoordinatorStart, people: PeopleView): Router {
  const overview = createCoordinatorStartHandlers(coordinatorStart);
  const peopleHandlers = createPeopleHandlers(people);
  const coordinator = requireRole('coordinator', 'admin');
  const router = Router();
  router.get('/reports/overview', coordinator, overview.overview);
  router.get('/reports/people', coordinator, peopleHandlers.list);
  return router;
}

/** The training record: everybody's own, and anybody's for coordination (the service checks `reports.view` and audits). */
export function trainingRecordRouter(trainingRecords: TrainingRecordService): Router {
  const handlers = createTrainingRecordHandlers(trainingRecords);
  const router = Router();
  router.get('/my/training-record.pdf', requireLogin, handlers.mine);
  router.get('/reports/people/:userId/training-record.pdf', requireRole('coordinator', 'admin'), handlers.forPerson);
  return router;
}
