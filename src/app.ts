import path from 'node:path';
import express, { type Express } from 'express';
import cookieParser from 'cookie-parser';
import type { Config } from './config';
import type { Database } from './db/database';
import type { Logger } from './http/logger';
import type { Mailer } from './mail/mailer';
import { createOutbox, type Outbox } from './mail/outbox.service';
import { requestLogger } from './http/logger';
import { drainGuard, healthRouter, readinessRouter, type Lifecycle } from './http/health';
import { createMetrics, type Metrics } from './http/metrics';
import { PROJECT_ROOT } from './shared/project-root';
import { createCsrf, securityHeaders } from './http/security';
import { noStoreForPersonalResponses } from './http/cache-control';
import { createSessionMiddleware } from './http/session';
import { localeMiddleware, viewLocals } from './http/locals';
import { pageRenderer } from './http/render';
import { flashLocal } from './http/flash';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { createAccountsService } from './accounts/accounts.service';
import { createOrganisationsService } from './accounts/organisations.service';
import { createUserAdminService } from './accounts/user-admin.service';
import { createPassport } from './accounts/passport';
import { accountsRouter } from './accounts/accounts.routes';
import { createSso } from './accounts/sso/sso.routes';
import { adminRouter } from './accounts/admin.routes';
import { provideSecondFactor } from './accounts/login-completion';
import { createSecondFactorService } from './accounts/second-factor/second-factor.service';
import { secondFactorGate, secondFactorRouter } from './accounts/second-factor/second-factor.routes';
import { accountInvitationsRouter } from './accounts/account-invitations.routes';
import { createAccountInvitations } from './accounts/account-invitations.service';
import { createOrganisationMerge } from './accounts/organisation-merge.service';
import { homeRouter } from './home/home.routes';
import { createHomeService } from './home/home.service';
import { manageCatalogRouter } from './catalog/manage.routes';
import { catalogRouter } from './catalog/catalog.routes';
import { createCatalogService } from './catalog/catalog.service';
import { createManageCatalogService } from './catalog/manage.service';
import { offeringsForSeats } from './catalog/offering-seats';
import { createEnrollmentService } from './enrollment/enrollment.service';
import { createEnrollmentNotifier } from './enrollment/enrollment.notifications';
import { createSessionCalendarUpdates } from './enrollment/calendar-invitations';
import { createCalendarService } from './enrollment/calendar.service';
import { enrollmentRouter } from './enrollment/enrollment.routes';
import { createMaterialsService } from './materials/materials.service';
import { createMaterialStorage, materialsRouter } from './materials/materials.routes';
import { createAttendanceService } from './attendance/attendance.service';
import { attendanceRouter } from './attendance/attendance.routes';
import { createCertificateTemplateService } from './certificates/template.service';
import { createCertificatesService } from './certificates/certificates.service';
import { certificatesRouter } from './certificates/certificates.routes';
import { createCertificatePrinting } from './certificates/certificate-printing.service';
import { createRateLimits } from './http/rate-limit';
import { certificateTemplateRouter } from './certificates/template.routes';
import { createReportsService } from './reports/reports.service';
import { trainingRecordRouter } from './reports/reports.routes';
import { createTrainingRecordService } from './reports/training-record.service';
import { reportsRouter, startFiguresRouter } from './reports/reports.routes';
import { createCoordinatorStart } from './reports/coordinator-start.service';
import { startFiguresSection } from './reports/coordinator-start.handlers';
import { createPeopleView } from './reports/people.service';
import { createAuditLog } from './audit/audit.service';
import { auditRouter } from './audit/audit.routes';
import { createErasureService } from './privacy/erasure.service';
import { erasureRouter } from './privacy/erasure.routes';
import { createExportService } from './privacy/export.service';
import { exportRouter } from './privacy/export.routes';
import { createPersonCorrectionService } from './accounts/person-correction.service';
import { personCorrectionRouter } from './accounts/person-correction.routes';
import { createLegalService } from './home/legal.service';
import { legalRouter } from './home/legal.routes';
import { createProcessingRecords } from './privacy/processing.service';
import { processingRouter } from './privacy/processing.routes';
import { createRetentionService } from './privacy/retention.service';
import { queueRetentionRun } from './privacy/retention.job';
import { retentionRouter } from './privacy/retention.routes';
import { createResultsService } from './evaluation/results.service';
import { resultsRouter } from './evaluation/results.routes';
import { createQuestionnairesService } from './evaluation/questionnaires.service';
import { questionnairesRouter } from './evaluation/questionnaires.routes';
import { createAssignmentsService } from './evaluation/assignments.service';
import { assignmentsRouter } from './evaluation/assignments.routes';
import { createAnswersService } from './evaluation/answers.service';
import { evaluationAnswersRouter } from './evaluation/answers.routes';
import { createMessageHistory } from './mail/history.service';
import { messageHistoryRouter } from './mail/history.routes';
import { createMessagesService } from './messages/messages.service';
import { messagesRouter } from './messages/messages.routes';
import { offeringMessagesSection } from './messages/messages.section';

export type AppDeps = { config: Config; db: Database; databaseUrl: string; logger: Logger; mailer: Mailer };
export type App = {
  app: Express;
  close: () => Promise<void>;
  outbox: Outbox;
  /** SIGTERM: /healthz answers 503 `stopping`, new requests get a 503, running ones finish. */
  beginShutdown: () => void;
  /** server.ts hands the job queue to /metrics once it runs. */
  watchJobs: Metrics['watchJobs'];
};

// views/, static/ and node_modules/ sit in the project root, also when this runs compiled from dist/src/.
const ROOT = PROJECT_ROOT;

/** Builds the app without listening (server.ts listens; tests use supertest). */
export function createApp(deps: AppDeps): App {
  const { config, db, logger, mailer } = deps;
  const outbox = createOutbox({ db, mailer, logger });
  const accounts = createAccountsService({ db, outbox, config, logger });
  const organisations = createOrganisationsService(db);
  const userAdmin = createUserAdminService({ db, outbox, config });
  const passport = createPassport(accounts);
  const secondFactor = createSecondFactorService({ db, config, outbox });
  // The catalog owns offerings, the enrollment domain their seats: each gets the other's port.
  const enrollment = createEnrollmentService({ db, notify: createEnrollmentNotifier(outbox, config), offerings: offeringsForSeats, background: outbox.defer });
  const manageCatalog = createManageCatalogService(db, enrollment.seats, createSessionCalendarUpdates(outbox, config));
  const catalog = createCatalogService(db, enrollment);
  const calendar = createCalendarService(db, catalog, config);
  const attendance = createAttendanceService(db, config);
  const sessions = createSessionMiddleware(config, db);
  const materialStorage = createMaterialStorage(config);
  const materials = createMaterialsService({ db, storage: materialStorage, logger });
  const certificateTemplates = createCertificateTemplateService(db, config);
  const certificates = createCertificatesService({ db, config, attendance, templates: certificateTemplates });
  const certificatePrinting = createCertificatePrinting({ db, config, catalog, templates: certificateTemplates });
  const rateLimits = createRateLimits(db);
  const home = createHomeService(db, attendance);

  const app = express();
  app.set('trust proxy', config.trustProxy);
  app.set('view engine', 'ejs');
  app.set('views', path.join(ROOT, 'views'));
  app.set('x-powered-by', false);
  provideSecondFactor(app, secondFactor);
  if (config.isProduction) app.enable('view cache');

  const lifecycle: Lifecycle = { stopping: false };
  const metrics = createMetrics({ db, token: config.metricsToken });
  app.use(metrics.timeRequests);
  app.use(requestLogger(logger));
  app.use(drainGuard(lifecycle));
  app.use(healthRouter(db, lifecycle));
  app.use(readinessRouter(db, materialStorage, lifecycle));
  app.use(metrics.router);
  app.use(securityHeaders(config));
  const staticOptions = { maxAge: config.isProduction ? '7d' : 0, fallthrough: false };
  app.use('/static/kern', express.static(path.join(ROOT, 'node_modules', '@kern-ux', 'native', 'dist'), staticOptions));
  app.use('/static', express.static(path.join(ROOT, 'static'), staticOptions));
  // A roll call posts one field per person ("status_1234567=excused", ~25 bytes): a county event of
  // up to 5,000 people needs more fields than any other form, still well within 200 kB. Only this
  // route gets the higher field limit; the parser below then finds the body already read.
  app.post('/attendance/sessions/:id', express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 5010 }));
  app.use(express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 2000 }));
  app.use(cookieParser());
  app.use(sessions);
  app.use(passport.session());
  app.use(noStoreForPersonalResponses);
  const csrf = createCsrf(config);
  app.use(localeMiddleware, pageRenderer, viewLocals(config), flashLocal, csrf.tokenLocal);
  app.use(csrf.protection);
  // Staff without a second factor reach only its setup page (issue 16).
  app.use(secondFactorGate);

  const coordinatorStart = createCoordinatorStart(db, { maxAgeSeconds: config.reports.figuresMaxAgeSeconds });
  // Before every page (the logout form may redirect to an OpenID provider: CSP form-action) and
  // before the accounts router: directory addresses log in by LDAP, OpenID logins log out at their provider.
  app.use(createSso({ config, db, logger, accounts }));
  app.use(homeRouter(home, startFiguresSection(coordinatorStart)));
  app.use(accountsRouter(rateLimits, accounts, organisations, passport));
  app.use(secondFactorRouter(rateLimits, secondFactor, accounts));
  app.use(adminRouter(userAdmin, organisations, createOrganisationMerge(db), config.passwordResetTtlMinutes));
  app.use(accountInvitationsRouter(createAccountInvitations({ db, outbox, config }), organisations));
  const messages = createMessagesService({ db, outbox, config, logger });
  app.get('/manage/offerings/:id', offeringMessagesSection(messages));
  app.use(manageCatalogRouter(manageCatalog));
  app.use(catalogRouter(catalog));
  app.use(enrollmentRouter(catalog, enrollment, calendar, manageCatalog));
  app.use(materialsRouter(materials, materialStorage, config, logger));
  app.use(attendanceRouter(attendance, rateLimits, config));
  app.use(certificatesRouter(rateLimits, certificates, certificatePrinting));
  app.use(certificateTemplateRouter(certificateTemplates));
  app.use(reportsRouter(createReportsService(db)));
  app.use(trainingRecordRouter(createTrainingRecordService(db, config)));
  app.use(startFiguresRouter(coordinatorStart, createPeopleView(db)));
  app.use(auditRouter(createAuditLog(db)));
  app.use(exportRouter(createExportService(db), config.region.name));
  app.use(erasureRouter(createErasureService(db, { mailDir: config.mail.dir })));
  app.use(personCorrectionRouter(createPersonCorrectionService(db), organisations));
  app.use(legalRouter(createLegalService({ db, outbox, config, logger }), rateLimits));
  app.use(processingRouter(createProcessingRecords(config)));
  app.use(retentionRouter(createRetentionService({ db, config, logger, queueRun: queueRetentionRun(db) })));
  app.use(resultsRouter(createResultsService(db, { minResponses: config.evaluation.minResponses })));
  app.use(questionnairesRouter(createQuestionnairesService(db)));
  app.use(assignmentsRouter(createAssignmentsService(db)));
  app.use(evaluationAnswersRouter(createAnswersService(db)));

  app.use(messageHistoryRouter(createMessageHistory(db)));
  app.use(messagesRouter(messages));

  app.use(notFoundHandler);
  app.use(errorHandler(logger, config));

  // Background mail delivery finishes before the database goes away.
  const close = async () => {
    await outbox.idle();
  };
  return { app, close, outbox, beginShutdown: () => void (lifecycle.stopping = true), watchJobs: metrics.watchJobs };
}
