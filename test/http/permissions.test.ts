import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Express } from 'express';
import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createOrganisation, createUser, PASSWORD, type TestUser } from '../support/factories';
import { createQuestionnaire } from '../support/evaluation-factories';
import { csrfTokenIn, loginAs, newAgent, textOf, type Agent } from '../support/http';
import { routesInApp } from '../support/routes';
import { ROLES, type Role } from '../../src/accounts/roles';
import { newSecretToken } from '../../src/accounts/tokens';
import { checkInCode } from '../../src/attendance/check-in-code';
import type { Config } from '../../src/config';
import type { Database } from '../../src/db/database';
import { toBerlinInputValue } from '../../src/shared/format';
import { createMaterialStorage } from '../../src/materials/materials.routes';
import { newStorageKey } from '../../src/materials/storage';

/**
 * Who may do what: every route of the app × every kind of visitor, with the status each
 * one gets. A route added to the app without a row here fails the last test of this file.
 *
 * To add a route: add a row to `routes` below. `path` is written exactly as in the router
 * (e.g. '/admin/users/:id'); `params` fills in ids from the fixtures (create what your
 * domain needs in `createFixtures`); `:token` and `:lang` get dummy values by default.
 * POSTs are sent with a valid CSRF token of the same visitor and the `body` you give.
 * The visitors of a row act one after another on the same data, in the order of VISITORS.
 */

type Visitor = 'anonymous' | Role;
const VISITORS: Visitor[] = ['anonymous', ...ROLES];

/** 'login': the visitor is redirected (302) to the login page and would come back here afterwards. */
type Expected = number | 'login';
type Expectations = Record<Visitor, Expected>;

type Fixtures = {
  organisation: { id: number; name: string };
  users: Record<Role, TestUser>;
  /** An account to administer that is none of the visitors. */
  otherUser: TestUser;
  /** The workshop programme of `offering` and `otherOffering` (it has offerings, so its kind is fixed). */
  programme: { id: number };
  /** A series with two modules. */
  series: { id: number; moduleIds: number[] };
  /** A published offering with open registration that none of the visitors is enrolled in; its one session is taught by the trainer visitor. */
  offering: { id: number; sessionId: number };
  /** The Berlin day (YYYY-MM-DD) of `offering`'s session: its participant list. */
  offeringDay: string;
  /** Another published offering of the same programme, not taught by the trainer visitor. */
  otherOffering: { id: number; sessionId: number };
  /** The participant's own confirmed enrollment (in otherOffering). */
  participantEnrollment: { id: number };
  /**
   * Per visitor, people who are not visitors, to manage: confirmed in `offering` (with an
   * excuse for its session waiting for a decision), pending in an offering that needs approval.
   */
  managed: Record<Visitor, { person: number; confirmed: number; pending: number; excuse: number }>;
  /** Per visitor, a draft offering of `programme` with two sessions (to publish, cancel, delete a session of). */
  drafts: Record<Visitor, { id: number; sessionIds: number[] }>;
  /** A session going on right now, taught by the trainer visitor, the participant confirmed; self check-in is open with `checkInCode`. */
  runningSession: { id: number; checkInCode: string };
  materials: {
    /** For enrolled people, in the session of otherOffering (the participant's); two versions. */
    enrolled: number;
    /** For trainers only, in the session of `offering` (the trainer visitor's); two versions. */
    trainersOnly: number;
    /** Per visitor, one for enrolled people in the session of `offering`, to delete. */
    deletable: Record<Visitor, number>;
  };
  /** Per visitor, the unused invitation link token of a newly invited person. */
  invitations: Record<Visitor, string>;
  /** A workshop held last week that the participant and the managed people attended, with valid certificates. */
  certificates: {
    offering: number;
    /** The participant's own certificate and its verification code. */
    participant: { id: number; code: string };
    /** Per visitor, a certificate of somebody else to revoke, and one to correct. */
    revocable: Record<Visitor, number>;
    correctable: Record<Visitor, number>;
    /** A logo uploaded for the series' certificate template. */
    logoImageId: number;
  };
  /** A signed sign-in sheet (PDF scan) uploaded to the session of `offering` (the trainer visitor's). */
  signedSheetId: number;
  /** An open evaluation of otherOffering that only the participant visitor attended, and its one required item. */
  evaluationToAnswer: { id: number; itemId: number };
  /** A coordinator's message to the confirmed people of `offering`. */
  coordinatorMessageId: number;
  /** A closed evaluation of `offering` (the trainer visitor's), with no answers: its results page. */
  evaluationResultId: number;
  /** An organisation nobody belongs to, a duplicate to merge into `organisation`. */
  duplicateOrganisation: { id: number };
  /** A questionnaire not in use yet, with four items (two to remove, one per maintainer). */
  questionnaire: { questionnaireId: number; itemIds: number[] };
};

type RouteRow = {
  method: 'GET' | 'POST';
  path: string;
  /** Values for the :placeholders; vary them by visitor where one visitor's success would change the next one's outcome. */
  params?: (fixtures: Fixtures, visitor: Visitor) => Record<string, string | number>;
  query?: Record<string, string>;
  /** The form fields; the visitors of a row post one after another, so vary them by visitor where one visitor's success would change the next one's outcome. */
  body?: (fixtures: Fixtures, visitor: Visitor) => Record<string, string>;
  expect: Expectations;
};

const LOGIN = 'login' as const;
const DEFAULT_PARAMS: Record<string, string> = { token: 'dummy-token-that-matches-nothing', lang: 'en' };
const NEW_PASSWORD = 'Ein-neues-Passwort-2026';
const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

/** What a datetime-local field holds for the moment `days` from now (Berlin wall-clock time). */
function berlinInput(days: number, hours = 0): string {
  return toBerlinInputValue(new Date(Date.now() + days * DAY_MS + hours * HOUR_MS));
}

/** Uploaded files of this file's tests go to a directory of their own, removed afterwards. */
const UPLOAD_DIR = mkdtempSync(path.join(tmpdir(), 'kokoma-permissions-'));

/** The same status for every visitor. */
function everyone(status: Expected): Expectations {
  return { anonymous: status, participant: status, trainer: status, coordinator: status, admin: status };
}

/**
 * `status` for the listed roles, 403 for the other roles; anonymous visitors are sent to
 * the login page for a GET and refused (403) for anything else.
 */
function onlyFor(roles: readonly Role[], status: number, method: 'GET' | 'POST'): Expectations {
  const forRole = (role: Role) => (roles.includes(role) ? status : 403);
  return { anonymous: method === 'GET' ? LOGIN : 403, participant: forRole('participant'), trainer: forRole('trainer'), coordinator: forRole('coordinator'), admin: forRole('admin') };
}

const LOGGED_IN = ROLES;
const STAFF = ['trainer', 'coordinator', 'admin'] as const;
const MAINTAINERS = ['coordinator', 'admin'] as const;
const ADMINS = ['admin'] as const;

const routes: RouteRow[] = [
  // home
  { method: 'GET', path: '/', expect: everyone(200) },
  { method: 'GET', path: '/impressum', expect: everyone(200) },
  { method: 'GET', path: '/datenschutz', expect: everyone(200) },
  { method: 'GET', path: '/barrierefreiheit', expect: everyone(200) },
  { method: 'POST', path: '/barrierefreiheit', body: () => ({ name: '', email: 'hinweis@gemeinde.example', message: 'Der Kontrast der Fußzeile ist zu schwach.' }), expect: everyone(303) },
  { method: 'GET', path: '/barrierefreiheit/gesendet', expect: everyone(200) },
  { method: 'GET', path: '/leichte-sprache', expect: everyone(200) },
  { method: 'GET', path: '/healthz', expect: everyone(200) },
  { method: 'GET', path: '/readyz', expect: everyone(200) },
  // GET /metrics exists only with METRICS_TOKEN set and takes a bearer token, no session: test/http/metrics.test.ts.

  // accounts: login, registration, passwords, language
  { method: 'GET', path: '/login', expect: everyone(200) },
  { method: 'POST', path: '/login', body: (f) => ({ email: f.users.participant.email, password: PASSWORD }), expect: everyone(303) },
  { method: 'POST', path: '/logout', expect: everyone(303) },
  // single sign-on: this app has no OpenID provider configured, so every provider name is unknown (sso-oidc.test.ts covers configured ones)
  { method: 'POST', path: '/sso/oidc/:provider', params: () => ({ provider: 'keycloak' }), expect: everyone(404) },
  { method: 'GET', path: '/sso/oidc/:provider/callback', params: () => ({ provider: 'keycloak' }), query: { code: 'x', state: 'y' }, expect: everyone(404) },
  { method: 'GET', path: '/register', expect: everyone(200) },
  {
    method: 'POST',
    path: '/register',
    body: (f) => ({
      firstName: 'Neue',
      lastName: 'Person',
      email: 'neue.person@gemeinde.example',
      organisationId: String(f.organisation.id),
      department: '',
      password: NEW_PASSWORD,
      passwordConfirm: NEW_PASSWORD,
      privacyAccepted: 'yes',
    }),
    expect: everyone(303),
  },
  { method: 'GET', path: '/register/sent', expect: everyone(200) },
  { method: 'GET', path: '/register/verify/:token', expect: everyone(410) },
  { method: 'GET', path: '/password/forgot', expect: everyone(200) },
  { method: 'POST', path: '/password/forgot', body: (f) => ({ email: f.users.participant.email }), expect: everyone(303) },
  { method: 'GET', path: '/password/forgot/sent', expect: everyone(200) },
  { method: 'GET', path: '/password/reset/:token', expect: everyone(410) },
  { method: 'POST', path: '/password/reset/:token', body: () => ({ password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD }), expect: everyone(410) },
  { method: 'GET', path: '/account', expect: onlyFor(LOGGED_IN, 200, 'GET') },
  {
    method: 'POST',
    path: '/account/password',
    body: () => ({ currentPassword: PASSWORD, password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD }),
    expect: onlyFor(LOGGED_IN, 303, 'POST'),
  },
  { method: 'GET', path: '/language/:lang', query: { returnTo: '/' }, expect: everyone(303) },
  // accounts: second factor (no pending login here: the code step sends everybody back; staff have one from the factories)
  { method: 'GET', path: '/login/code', expect: everyone(303) },
  { method: 'POST', path: '/login/code', body: () => ({ code: '123456' }), expect: everyone(303) },
  { method: 'GET', path: '/account/second-factor', expect: onlyFor(LOGGED_IN, 200, 'GET') },
  { method: 'GET', path: '/account/second-factor/setup', expect: onlyFor(LOGGED_IN, 200, 'GET') },
  { method: 'POST', path: '/account/second-factor/setup', body: () => ({ secret: 'v1.x.y.z', code: '123456' }), expect: onlyFor(LOGGED_IN, 422, 'POST') },
  { method: 'POST', path: '/account/second-factor/recovery-codes', expect: { anonymous: 403, participant: 404, trainer: 404, coordinator: 200, admin: 200 } },
  { method: 'POST', path: '/account/second-factor/remove', expect: { anonymous: 403, participant: 303, trainer: 303, coordinator: 409, admin: 409 } },
  { method: 'POST', path: '/admin/users/:id/second-factor/reset', params: (f) => ({ id: f.otherUser.id }), expect: onlyFor(ADMINS, 303, 'POST') },
  { method: 'POST', path: '/account/language', body: () => ({ lang: 'en' }), expect: onlyFor(LOGGED_IN, 303, 'POST') },
  // privacy: one's own data and the request for deletion (without the tick the form comes back: nobody is erased here)
  { method: 'GET', path: '/account/data.json', expect: onlyFor(LOGGED_IN, 200, 'GET') },
  { method: 'GET', path: '/account/data.pdf', expect: onlyFor(LOGGED_IN, 200, 'GET') },
  { method: 'GET', path: '/account/erasure', expect: onlyFor(LOGGED_IN, 200, 'GET') },
  { method: 'POST', path: '/account/erasure', body: () => ({}), expect: onlyFor(LOGGED_IN, 422, 'POST') },
  // accounts: invitations (each visitor follows the link of a different invited person)
  { method: 'GET', path: '/invitation/:token', params: (f, visitor) => ({ token: f.invitations[visitor] }), expect: everyone(200) },
  {
    method: 'POST',
    path: '/invitation/:token',
    params: (f, visitor) => ({ token: f.invitations[visitor] }),
    body: () => ({ password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD }),
    expect: everyone(303),
  },


  // accounts: administration
  { method: 'GET', path: '/admin/users', expect: onlyFor(ADMINS, 200, 'GET') },
  { method: 'GET', path: '/admin/users/:id', params: (f) => ({ id: f.otherUser.id }), expect: onlyFor(ADMINS, 200, 'GET') },
  { method: 'POST', path: '/admin/users/:id/role', params: (f) => ({ id: f.otherUser.id }), body: () => ({ role: 'trainer' }), expect: onlyFor(ADMINS, 303, 'POST') },
  { method: 'POST', path: '/admin/users/:id/deactivate', params: (f) => ({ id: f.otherUser.id }), expect: onlyFor(ADMINS, 303, 'POST') },
  { method: 'POST', path: '/admin/users/:id/reactivate', params: (f) => ({ id: f.otherUser.id }), expect: onlyFor(ADMINS, 303, 'POST') },
  { method: 'POST', path: '/admin/users/:id/password-reset', params: (f) => ({ id: f.otherUser.id }), expect: onlyFor(ADMINS, 303, 'POST') },
  // otherUser registered themself: there is no invitation to send again (409 past the guard).
  { method: 'POST', path: '/admin/users/:id/invitation', params: (f) => ({ id: f.otherUser.id }), expect: onlyFor(ADMINS, 409, 'POST') },
  // accounts: the administration invites people, one by one or from a list with a preview
  { method: 'GET', path: '/admin/invitations', expect: onlyFor(ADMINS, 200, 'GET') },
  {
    method: 'POST',
    path: '/admin/invitations',
    body: (f, visitor) => ({ firstName: 'Ina', lastName: 'Eingeladen', email: `eingeladen.${visitor}@gemeinde.example`, organisationId: String(f.organisation.id), role: 'trainer', locale: 'de' }),
    expect: onlyFor(ADMINS, 303, 'POST'),
  },
  {
    method: 'POST',
    path: '/admin/invitations/list',
    // The preview (nothing is created yet).
    body: (f) => ({ list: `liste.neu@gemeinde.example;Lisa;Liste;${f.organisation.name};Koordination;Deutsch` }),
    expect: onlyFor(ADMINS, 200, 'POST'),
  },
  // No visitor has a preview in their session: the admin is sent back to the form ("preview gone"). Confirming is tested in account-admin.test.ts.
  { method: 'POST', path: '/admin/invitations/list/confirm', body: () => ({ previewId: '5b0c7a7e-4a55-4f1e-9d7c-2b1f0e4c9a11' }), expect: onlyFor(ADMINS, 303, 'POST') },
  // accounts: coordination corrects a person's details (privacy, right to rectification)
  { method: 'GET', path: '/admin/users/:id/edit', params: (f) => ({ id: f.otherUser.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  {
    method: 'POST',
    path: '/admin/users/:id/edit',
    params: (f) => ({ id: f.otherUser.id }),
    body: (f, visitor) => ({ firstName: 'Berichtigt', lastName: `Person ${visitor}`, organisationId: String(f.organisation.id), department: '' }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  // audit: administration sees every entry, coordination the entries about programmes; /admin/audit is the page's first address
  { method: 'GET', path: '/audit', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/audit.csv', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/audit.xlsx', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/admin/audit', expect: onlyFor(MAINTAINERS, 301, 'GET') },
  // privacy: open erasure requests (no request exists in the fixtures: the admin gets past the guard to 404)
  { method: 'GET', path: '/admin/erasure-requests', expect: onlyFor(ADMINS, 200, 'GET') },
  { method: 'GET', path: '/admin/erasure-requests/:id', params: () => ({ id: 999999 }), expect: onlyFor(ADMINS, 404, 'GET') },
  { method: 'POST', path: '/admin/erasure-requests/:id', params: () => ({ id: 999999 }), body: () => ({}), expect: onlyFor(ADMINS, 404, 'POST') },
  { method: 'GET', path: '/admin/processing', expect: onlyFor(ADMINS, 200, 'GET') },
  { method: 'GET', path: '/admin/processing.pdf', expect: onlyFor(ADMINS, 200, 'GET') },
  { method: 'GET', path: '/admin/retention', expect: onlyFor(ADMINS, 200, 'GET') },
  { method: 'POST', path: '/admin/retention/run', expect: onlyFor(ADMINS, 303, 'POST') },
  { method: 'GET', path: '/admin/organisations', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'POST', path: '/admin/organisations', body: (_f, visitor) => ({ name: `Gemeinde Neuland (${visitor})`, kind: 'municipality' }), expect: onlyFor(MAINTAINERS, 303, 'POST') },
  { method: 'GET', path: '/admin/organisations/:id', params: (f) => ({ id: f.organisation.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  {
    method: 'POST',
    path: '/admin/organisations/:id',
    params: (f) => ({ id: f.organisation.id }),
    body: (f) => ({ name: f.organisation.name, kind: 'municipality', active: 'yes' }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  // accounts: merging a duplicate organisation (the preview; the confirmation with a figure that no longer holds shows the preview again, 422, nothing merged)
  { method: 'POST', path: '/admin/organisations/:id/merge', params: (f) => ({ id: f.duplicateOrganisation.id }), body: (f) => ({ keepId: String(f.organisation.id) }), expect: onlyFor(MAINTAINERS, 200, 'POST') },
  {
    method: 'POST',
    path: '/admin/organisations/:id/merge/confirm',
    params: (f) => ({ id: f.duplicateOrganisation.id }),
    body: (f) => ({ keepId: String(f.organisation.id), expectedPeople: '999' }),
    expect: onlyFor(MAINTAINERS, 422, 'POST'),
  },

  // catalog and enrollment
  { method: 'GET', path: '/offerings', expect: everyone(200) },
  { method: 'GET', path: '/offerings/:id', params: (f) => ({ id: f.offering.id }), expect: everyone(200) },
  { method: 'GET', path: '/offerings/:id/calendar.ics', params: (f) => ({ id: f.offering.id }), expect: everyone(200) },
  { method: 'POST', path: '/offerings/:id/enroll', params: (f) => ({ id: f.offering.id }), expect: onlyFor(LOGGED_IN, 303, 'POST') },
  // Only the person enrolled may cancel; for everybody else the enrollment does not exist.
  {
    method: 'GET',
    path: '/enrollments/:id/cancel',
    params: (f) => ({ id: f.participantEnrollment.id }),
    expect: { anonymous: LOGIN, participant: 200, trainer: 404, coordinator: 404, admin: 404 },
  },
  {
    method: 'POST',
    path: '/enrollments/:id/cancel',
    params: (f) => ({ id: f.participantEnrollment.id }),
    expect: { anonymous: 403, participant: 303, trainer: 404, coordinator: 404, admin: 404 },
  },
  { method: 'GET', path: '/my/dates', expect: onlyFor(LOGGED_IN, 200, 'GET') },
  { method: 'POST', path: '/my/calendar-feed', expect: onlyFor(LOGGED_IN, 303, 'POST') },
  { method: 'POST', path: '/my/calendar-feed/revoke', expect: onlyFor(LOGGED_IN, 303, 'POST') },
  { method: 'GET', path: '/calendar/:token.ics', expect: everyone(404) },
  { method: 'GET', path: '/manage/offerings/:id/enrollments', params: (f) => ({ id: f.offering.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  // messages: coordination writes to an offering's people; everybody sees their own message history, coordination anybody's
  { method: 'GET', path: '/my/messages', expect: onlyFor(LOGGED_IN, 200, 'GET') },
  { method: 'GET', path: '/reports/people/:userId/messages', params: (f) => ({ userId: f.otherUser.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/manage/offerings/:id/messages', params: (f) => ({ id: f.offering.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/manage/offerings/:id/messages/new', params: (f) => ({ id: f.offering.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'POST', path: '/manage/offerings/:id/messages/preview', params: (f) => ({ id: f.offering.id }), body: () => ({ group_confirmed: 'yes', subject: 'Hinweis', body: 'Text' }), expect: onlyFor(MAINTAINERS, 200, 'POST') },
  { method: 'POST', path: '/manage/offerings/:id/messages', params: (f) => ({ id: f.offering.id }), body: () => ({ group_confirmed: 'yes', subject: 'Hinweis', body: 'Text' }), expect: onlyFor(MAINTAINERS, 303, 'POST') },
  { method: 'GET', path: '/manage/offerings/:id/messages/:messageId', params: (f) => ({ id: f.offering.id, messageId: f.coordinatorMessageId }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'POST', path: '/manage/offerings/:id/messages/:messageId/retry', params: (f) => ({ id: f.offering.id, messageId: f.coordinatorMessageId }), expect: onlyFor(MAINTAINERS, 303, 'POST') },
  {
    method: 'POST',
    path: '/manage/offerings/:id/enrollments',
    params: (f) => ({ id: f.offering.id }),
    // Each visitor tries to enroll themself by hand.
    body: (f, visitor) => ({ email: visitor === 'anonymous' ? f.otherUser.email : f.users[visitor].email }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  { method: 'POST', path: '/manage/offerings/:id/capacity', params: (f) => ({ id: f.offering.id }), body: () => ({ capacity: '25' }), expect: onlyFor(MAINTAINERS, 303, 'POST') },
  { method: 'GET', path: '/manage/offerings/:id/enrollments/:enrollmentId/move', params: (f, visitor) => ({ id: f.offering.id, enrollmentId: f.managed[visitor].confirmed }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  {
    method: 'POST',
    path: '/manage/offerings/:id/enrollments/:enrollmentId/move',
    params: (f, visitor) => ({ id: f.offering.id, enrollmentId: f.managed[visitor].confirmed }),
    body: (f) => ({ targetOfferingId: String(f.otherOffering.id) }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  {
    method: 'POST',
    path: '/manage/enrollments/:id/approve',
    params: (f, visitor) => ({ id: f.managed[visitor].pending }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  {
    method: 'POST',
    path: '/manage/enrollments/:id/reject',
    params: (f, visitor) => ({ id: f.managed[visitor].pending }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  {
    method: 'POST',
    path: '/manage/enrollments/:id/cancel',
    params: (f, visitor) => ({ id: f.managed[visitor].confirmed }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  // catalog management: programmes and modules
  { method: 'GET', path: '/manage/programmes', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/manage/programmes/new', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  {
    method: 'POST',
    path: '/manage/programmes',
    body: (_f, visitor) => ({ kind: 'workshop', title: `Deeskalation am Schalter (${visitor})`, description: '', targetGroup: '', certificateKind: 'confirmation', active: 'yes' }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  { method: 'GET', path: '/manage/programmes/:id', params: (f) => ({ id: f.programme.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/manage/programmes/:id/edit', params: (f) => ({ id: f.programme.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  {
    method: 'POST',
    path: '/manage/programmes/:id',
    params: (f) => ({ id: f.programme.id }),
    body: () => ({ kind: 'workshop', title: 'Umgang mit extremistischen Gruppierungen', description: 'Neu beschrieben.', targetGroup: '', certificateKind: 'confirmation', active: 'yes' }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  {
    method: 'POST',
    path: '/manage/programmes/:id/modules',
    params: (f) => ({ id: f.series.id }),
    body: (_f, visitor) => ({ title: `Nachbereitung (${visitor})`, description: '', teachingUnits: '4' }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  {
    method: 'GET',
    path: '/manage/programmes/:id/modules/:moduleId/edit',
    params: (f) => ({ id: f.series.id, moduleId: f.series.moduleIds[0]! }),
    expect: onlyFor(MAINTAINERS, 200, 'GET'),
  },
  {
    method: 'POST',
    path: '/manage/programmes/:id/modules/:moduleId',
    params: (f) => ({ id: f.series.id, moduleId: f.series.moduleIds[0]! }),
    body: () => ({ title: 'Konflikte verstehen', description: '', teachingUnits: '8' }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  {
    method: 'POST',
    path: '/manage/programmes/:id/modules/:moduleId/move',
    // The coordinator moves the first module down; for the admin it is already last, which changes nothing.
    params: (f) => ({ id: f.series.id, moduleId: f.series.moduleIds[0]! }),
    body: () => ({ direction: 'down' }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },

  // catalog management: offerings and sessions
  { method: 'GET', path: '/manage/offerings', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/manage/offerings/new', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  {
    method: 'POST',
    path: '/manage/offerings',
    body: (f, visitor) => ({
      programmeId: String(f.programme.id),
      title: `Workshop Frühling (${visitor})`,
      description: '',
      capacity: '12',
      registrationOpensAt: berlinInput(1),
      registrationClosesAt: berlinInput(40),
      cancellationDeadline: '',
      location: 'Rathaus, Sitzungssaal',
      requiresApproval: 'no',
    }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  { method: 'GET', path: '/manage/offerings/:id', params: (f) => ({ id: f.offering.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/manage/offerings/:id/edit', params: (f) => ({ id: f.offering.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  {
    method: 'POST',
    path: '/manage/offerings/:id',
    params: (f) => ({ id: f.offering.id }),
    // Registration still closes before the first session (in 30 days); the seats still cover the confirmed enrollments.
    body: () => ({
      title: 'Workshop Herbst',
      description: 'Mit neuem Raum.',
      capacity: '20',
      registrationOpensAt: berlinInput(-10),
      registrationClosesAt: berlinInput(29),
      cancellationDeadline: '',
      location: 'Landratsamt, Saal 2',
      requiresApproval: 'no',
    }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  { method: 'POST', path: '/manage/offerings/:id/publish', params: (f, visitor) => ({ id: f.drafts[visitor].id }), expect: onlyFor(MAINTAINERS, 303, 'POST') },
  { method: 'GET', path: '/manage/offerings/:id/cancel', params: (f) => ({ id: f.offering.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'POST', path: '/manage/offerings/:id/cancel', params: (f, visitor) => ({ id: f.drafts[visitor].id }), expect: onlyFor(MAINTAINERS, 303, 'POST') },
  {
    method: 'POST',
    path: '/manage/offerings/:id/sessions',
    params: (f) => ({ id: f.offering.id }),
    body: (f) => ({ moduleId: '', startsAt: berlinInput(40), endsAt: berlinInput(40, 7), location: 'Landratsamt, Saal 1', onlineUrl: '', trainerIds: String(f.users.trainer.id) }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  {
    method: 'GET',
    path: '/manage/offerings/:id/sessions/:sessionId/edit',
    params: (f) => ({ id: f.offering.id, sessionId: f.offering.sessionId }),
    expect: onlyFor(MAINTAINERS, 200, 'GET'),
  },
  {
    method: 'POST',
    path: '/manage/offerings/:id/sessions/:sessionId',
    params: (f) => ({ id: f.offering.id, sessionId: f.offering.sessionId }),
    body: (f) => ({ moduleId: '', startsAt: berlinInput(31), endsAt: berlinInput(31, 6), location: 'Landratsamt, Saal 3', onlineUrl: '', trainerIds: String(f.users.trainer.id) }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  {
    method: 'GET',
    path: '/manage/offerings/:id/sessions/:sessionId/delete',
    params: (f) => ({ id: f.offering.id, sessionId: f.offering.sessionId }),
    expect: onlyFor(MAINTAINERS, 200, 'GET'),
  },
  {
    method: 'POST',
    path: '/manage/offerings/:id/sessions/:sessionId/delete',
    params: (f, visitor) => ({ id: f.drafts[visitor].id, sessionId: f.drafts[visitor].sessionIds[0]! }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },

  // enrollment: lists of people
  { method: 'GET', path: '/manage/offerings/:id/enrollments/bulk', params: (f) => ({ id: f.offering.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  {
    method: 'POST',
    path: '/manage/offerings/:id/enrollments/bulk',
    params: (f) => ({ id: f.offering.id }),
    // The preview of the list (nothing is stored yet).
    body: (f) => ({ list: `neu.eingeladen@gemeinde.example;Neue;Kollegin;${f.organisation.name}\n${f.otherUser.email};${f.otherUser.firstName};${f.otherUser.lastName};${f.organisation.name}` }),
    expect: onlyFor(MAINTAINERS, 200, 'POST'),
  },
  {
    method: 'POST',
    path: '/manage/offerings/:id/enrollments/bulk/confirm',
    params: (f) => ({ id: f.offering.id }),
    // A preview lives in the session of whoever asked for it, and no visitor here has one: the
    // allowed roles are sent back to the list form ("preview gone"), also 303. Taking over a
    // previewed list is tested with the bulk enrollment itself.
    body: () => ({ previewId: '5b0c7a7e-4a55-4f1e-9d7c-2b1f0e4c9a11' }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },

  // materials
  { method: 'GET', path: '/offerings/:id/materials', params: (f) => ({ id: f.offering.id }), expect: everyone(200) },
  { method: 'GET', path: '/offerings/:id/materials/new', params: (f) => ({ id: f.offering.id }), expect: onlyFor(STAFF, 200, 'GET') },
  {
    method: 'POST',
    path: '/offerings/:id/materials',
    params: (f) => ({ id: f.offering.id }),
    // The table posts url-encoded forms, so no file comes along: the allowed roles get past the
    // permission checks and see the form again with "choose a file" (422). Uploads are tested with materials.
    body: (f) => ({ target: `session:${f.offering.sessionId}`, title: 'Handout', description: '', visibility: 'enrolled' }),
    expect: onlyFor(STAFF, 422, 'POST'),
  },
  {
    method: 'GET',
    path: '/offerings/:id/materials/:materialId',
    params: (f) => ({ id: f.offering.id, materialId: f.materials.trainersOnly }),
    expect: onlyFor(STAFF, 200, 'GET'),
  },
  {
    method: 'POST',
    path: '/offerings/:id/materials/:materialId/versions',
    params: (f) => ({ id: f.offering.id, materialId: f.materials.trainersOnly }),
    // As above: without a file (url-encoded form) the allowed roles see the page again with "choose a file" (422).
    expect: onlyFor(STAFF, 422, 'POST'),
  },
  {
    method: 'POST',
    path: '/offerings/:id/materials/:materialId/delete',
    params: (f, visitor) => ({ id: f.offering.id, materialId: f.materials.deletable[visitor] }),
    expect: onlyFor(STAFF, 303, 'POST'),
  },
  // For enrolled people: the participant (enrolled) and the staff get it; the trainer teaches elsewhere (403).
  {
    method: 'GET',
    path: '/materials/:materialId/download',
    params: (f) => ({ materialId: f.materials.enrolled }),
    expect: { anonymous: LOGIN, participant: 200, trainer: 403, coordinator: 200, admin: 200 },
  },
  // An earlier version of a trainers-only material: it does not exist for non-staff (404); its trainer sees only the current version (403).
  {
    method: 'GET',
    path: '/materials/:materialId/versions/:version/download',
    params: (f) => ({ materialId: f.materials.trainersOnly, version: 1 }),
    expect: { anonymous: 404, participant: 404, trainer: 403, coordinator: 200, admin: 200 },
  },

  // attendance: roll call and self check-in (the trainer teaches these sessions)
  { method: 'GET', path: '/attendance', expect: onlyFor(STAFF, 200, 'GET') },
  { method: 'GET', path: '/attendance/sessions/:id', params: (f) => ({ id: f.offering.sessionId }), expect: onlyFor(STAFF, 200, 'GET') },
  {
    method: 'POST',
    path: '/attendance/sessions/:id',
    // The running session: a roll call opens shortly before the start, never for a session weeks ahead.
    params: (f) => ({ id: f.runningSession.id }),
    body: (f) => ({ [`status_${f.users.participant.id}`]: 'present' }),
    expect: onlyFor(STAFF, 303, 'POST'),
  },
  { method: 'GET', path: '/attendance/sessions/:id/check-in', params: (f) => ({ id: f.runningSession.id }), expect: onlyFor(STAFF, 200, 'GET') },
  { method: 'POST', path: '/attendance/sessions/:id/check-in/open', params: (f) => ({ id: f.runningSession.id }), expect: onlyFor(STAFF, 303, 'POST') },
  { method: 'POST', path: '/attendance/sessions/:id/check-in/close', params: (f) => ({ id: f.runningSession.id }), expect: onlyFor(STAFF, 303, 'POST') },
  { method: 'GET', path: '/attendance/sessions/:id/sheet.pdf', params: (f) => ({ id: f.offering.sessionId }), expect: onlyFor(STAFF, 200, 'GET') },
  // The participant list of the day of `offering`'s session (taught by the trainer visitor).
  { method: 'GET', path: '/attendance/offerings/:id/days/:date/sheet.pdf', params: (f) => ({ id: f.offering.id, date: f.offeringDay }), expect: onlyFor(STAFF, 200, 'GET') },
  {
    method: 'POST',
    path: '/attendance/sessions/:id/signed-sheets',
    params: (f) => ({ id: f.offering.sessionId }),
    // The table posts url-encoded forms, so no file comes along: the allowed roles get past the
    // permission checks and see the page again with "choose the file" (422). Uploads are tested in signed-sheets.
    expect: onlyFor(STAFF, 422, 'POST'),
  },
  // The scan of the trainer visitor's session: the session's staff get it, participants are refused by the guard.
  { method: 'GET', path: '/attendance/signed-sheets/:id', params: (f) => ({ id: f.signedSheetId }), expect: onlyFor(STAFF, 200, 'GET') },
  { method: 'GET', path: '/check-in', expect: onlyFor(LOGGED_IN, 200, 'GET') },
  // Everybody may try a code; it only counts for people with a seat in that session, the others see the form again (422).
  {
    method: 'POST',
    path: '/check-in',
    body: (f) => ({ code: f.runningSession.checkInCode }),
    expect: { anonymous: 403, participant: 200, trainer: 422, coordinator: 422, admin: 422 },
  },

  // attendance: progress and excuses
  { method: 'GET', path: '/my/progress', expect: onlyFor(LOGGED_IN, 200, 'GET') },
  // Only people with a seat in the session can excuse themselves; for everybody else it does not exist.
  {
    method: 'GET',
    path: '/my/sessions/:id/excuse',
    params: (f) => ({ id: f.otherOffering.sessionId }),
    expect: { anonymous: LOGIN, participant: 200, trainer: 404, coordinator: 404, admin: 404 },
  },
  {
    method: 'POST',
    path: '/my/sessions/:id/excuse',
    params: (f) => ({ id: f.otherOffering.sessionId }),
    body: () => ({ reason: 'Dienstreise nach Berlin' }),
    expect: { anonymous: 403, participant: 303, trainer: 404, coordinator: 404, admin: 404 },
  },
  { method: 'GET', path: '/manage/excuses', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'POST', path: '/manage/excuses/:id/accept', params: (f, visitor) => ({ id: f.managed[visitor].excuse }), expect: onlyFor(MAINTAINERS, 303, 'POST') },
  { method: 'POST', path: '/manage/excuses/:id/decline', params: (f, visitor) => ({ id: f.managed[visitor].excuse }), expect: onlyFor(MAINTAINERS, 303, 'POST') },
  { method: 'GET', path: '/manage/offerings/:id/attendance', params: (f) => ({ id: f.offering.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/manage/offerings/:id/attendance.csv', params: (f) => ({ id: f.offering.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/manage/offerings/:id/attendance.xlsx', params: (f) => ({ id: f.offering.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/manage/people/:id/history', params: (f) => ({ id: f.users.participant.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },

  // evaluation: answering (only people marked present or late are participants; the participant visitor is, and answers once)
  { method: 'GET', path: '/my/evaluations', expect: onlyFor(LOGGED_IN, 200, 'GET') },
  { method: 'GET', path: '/evaluations/:id', params: (f) => ({ id: f.evaluationToAnswer.id }), expect: { anonymous: LOGIN, participant: 200, trainer: 403, coordinator: 403, admin: 403 } },
  {
    method: 'POST',
    path: '/evaluations/:id',
    params: (f) => ({ id: f.evaluationToAnswer.id }),
    body: (f) => ({ [`item_${f.evaluationToAnswer.itemId}`]: '4' }),
    expect: { anonymous: 403, participant: 303, trainer: 403, coordinator: 403, admin: 403 },
  },

  // certificates
  { method: 'GET', path: '/manage/offerings/:id/certificates', params: (f) => ({ id: f.certificates.offering }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'POST', path: '/manage/offerings/:id/certificates', params: (f) => ({ id: f.certificates.offering }), body: () => ({ all: 'yes' }), expect: onlyFor(MAINTAINERS, 303, 'POST') },
  { method: 'GET', path: '/manage/offerings/:id/certificates.pdf', params: (f) => ({ id: f.certificates.offering }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/manage/offerings/:id/certificates.zip', params: (f) => ({ id: f.certificates.offering }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/manage/certificates/:id/revoke', params: (f) => ({ id: f.certificates.participant.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  {
    method: 'POST',
    path: '/manage/certificates/:id/revoke',
    params: (f, visitor) => ({ id: f.certificates.revocable[visitor] }),
    body: () => ({ reason: 'Versehentlich ausgestellt' }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  { method: 'POST', path: '/manage/certificates/:id/reissue', params: (f, visitor) => ({ id: f.certificates.correctable[visitor] }), expect: onlyFor(MAINTAINERS, 303, 'POST') },
  // The holder and coordinators; for anybody else the certificate does not exist.
  {
    method: 'GET',
    path: '/certificates/:id/download',
    params: (f) => ({ id: f.certificates.participant.id }),
    expect: { anonymous: LOGIN, participant: 200, trainer: 404, coordinator: 200, admin: 200 },
  },
  { method: 'GET', path: '/my/certificates', expect: onlyFor(LOGGED_IN, 200, 'GET') },
  { method: 'GET', path: '/verify', expect: everyone(200) },
  { method: 'GET', path: '/verify/:code', params: (f) => ({ code: f.certificates.participant.code }), expect: everyone(200) },
  { method: 'GET', path: '/manage/programmes/:id/certificate', params: (f) => ({ id: f.series.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'POST', path: '/manage/programmes/:id/certificate', params: (f) => ({ id: f.series.id }), body: (_f, visitor) => ({ title: `Zertifikat (${visitor})` }), expect: onlyFor(MAINTAINERS, 303, 'POST') },
  { method: 'GET', path: '/manage/programmes/:id/certificate/preview.pdf', params: (f) => ({ id: f.series.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/manage/certificate-images/:imageId', params: (f) => ({ imageId: f.certificates.logoImageId }), expect: onlyFor(MAINTAINERS, 200, 'GET') },

  // reports
  { method: 'GET', path: '/reports', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/reports/funder', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/reports/funder.csv', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/reports/funder.xlsx', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/reports/trainers', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/reports/trainers.csv', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/reports/trainers.xlsx', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  // The training record: everybody their own, coordination anybody's.
  { method: 'GET', path: '/my/training-record.pdf', expect: onlyFor(LOGGED_IN, 200, 'GET') },
  { method: 'GET', path: '/reports/people/:userId/training-record.pdf', params: (f) => ({ userId: f.users.participant.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/reports/overview', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/reports/people', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  // evaluation results: coordination all, trainers what they taught (the fixture's is the trainer visitor's), participants none
  { method: 'GET', path: '/evaluation/results', expect: onlyFor(STAFF, 200, 'GET') },
  { method: 'GET', path: '/evaluation/results/:id', params: (f) => ({ id: f.evaluationResultId }), expect: onlyFor(STAFF, 200, 'GET') },
  { method: 'GET', path: '/evaluation/results/:id.csv', params: (f) => ({ id: f.evaluationResultId }), expect: onlyFor(STAFF, 200, 'GET') },
  { method: 'GET', path: '/evaluation/results/:id.xlsx', params: (f) => ({ id: f.evaluationResultId }), expect: onlyFor(STAFF, 200, 'GET') },
  { method: 'GET', path: '/evaluation/results/compare', expect: onlyFor(STAFF, 200, 'GET') },
  // Without a questionnaire chosen the files have nothing to hold: the form again (422) past the guard.
  { method: 'GET', path: '/evaluation/results/compare.csv', expect: onlyFor(STAFF, 422, 'GET') },
  { method: 'GET', path: '/evaluation/results/compare.xlsx', expect: onlyFor(STAFF, 422, 'GET') },
  // evaluation questionnaires and their assignment (coordination only); archive and restore last, edits need it current
  { method: 'GET', path: '/evaluation/questionnaires', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'GET', path: '/evaluation/questionnaires/new', expect: onlyFor(MAINTAINERS, 200, 'GET') },
  {
    method: 'POST',
    path: '/evaluation/questionnaires',
    body: (_f, visitor) => ({ title: `Bogen ${visitor}`, introduction: '', kind: 'text', prompt: 'Was nehmen Sie mit?' }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  { method: 'GET', path: '/evaluation/questionnaires/:id', params: (f) => ({ id: f.questionnaire.questionnaireId }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  { method: 'POST', path: '/evaluation/questionnaires/:id', params: (f) => ({ id: f.questionnaire.questionnaireId }), body: () => ({ title: 'Rechte-Bogen', introduction: '' }), expect: onlyFor(MAINTAINERS, 303, 'POST') },
  { method: 'GET', path: '/evaluation/questionnaires/:id/preview', params: (f) => ({ id: f.questionnaire.questionnaireId }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  {
    method: 'POST',
    path: '/evaluation/questionnaires/:id/items',
    params: (f) => ({ id: f.questionnaire.questionnaireId }),
    body: () => ({ kind: 'single', prompt: 'Würden Sie teilnehmen?', options: 'ja\nnein' }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  {
    method: 'GET',
    path: '/evaluation/questionnaires/:id/items/:itemId/edit',
    params: (f) => ({ id: f.questionnaire.questionnaireId, itemId: f.questionnaire.itemIds[0]! }),
    expect: onlyFor(MAINTAINERS, 200, 'GET'),
  },
  {
    method: 'POST',
    path: '/evaluation/questionnaires/:id/items/:itemId',
    params: (f) => ({ id: f.questionnaire.questionnaireId, itemId: f.questionnaire.itemIds[0]! }),
    body: () => ({ kind: 'scale', prompt: 'Wie zufrieden waren Sie?', scaleLowLabel: 'gar nicht', scaleHighLabel: 'sehr' }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  {
    method: 'POST',
    path: '/evaluation/questionnaires/:id/items/:itemId/move',
    params: (f) => ({ id: f.questionnaire.questionnaireId, itemId: f.questionnaire.itemIds[0]! }),
    body: () => ({ direction: 'down' }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  {
    method: 'POST',
    path: '/evaluation/questionnaires/:id/items/:itemId/delete',
    params: (f, visitor) => ({ id: f.questionnaire.questionnaireId, itemId: f.questionnaire.itemIds[visitor === 'admin' ? 3 : 2]! }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  { method: 'GET', path: '/manage/programmes/:id/evaluation', params: (f) => ({ id: f.programme.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  {
    method: 'POST',
    path: '/manage/programmes/:id/evaluation',
    params: (f) => ({ id: f.programme.id }),
    body: (f) => ({ questionnaireId: String(f.questionnaire.questionnaireId), scope: 'offering', answerDays: '14' }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  { method: 'GET', path: '/manage/offerings/:id/evaluation', params: (f) => ({ id: f.offering.id }), expect: onlyFor(MAINTAINERS, 200, 'GET') },
  {
    method: 'POST',
    path: '/manage/offerings/:id/evaluation',
    params: (f) => ({ id: f.offering.id }),
    body: (f) => ({ mode: 'other', questionnaireId: String(f.questionnaire.questionnaireId), scope: 'session', answerDays: '7' }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  { method: 'POST', path: '/evaluation/questionnaires/:id/archive', params: (f) => ({ id: f.questionnaire.questionnaireId }), expect: onlyFor(MAINTAINERS, 303, 'POST') },
  { method: 'POST', path: '/evaluation/questionnaires/:id/restore', params: (f) => ({ id: f.questionnaire.questionnaireId }), expect: onlyFor(MAINTAINERS, 303, 'POST') },
];

async function createFixtures(db: Database, config: Config): Promise<Fixtures> {
  const organisation = await createOrganisation(db, { name: 'Gemeinde Rechtehausen' });
  const users = {} as Record<Role, TestUser>;
  for (const role of ROLES) users[role] = await createUser(db, { role, organisationId: organisation.id });
  const otherUser = await createUser(db, { organisationId: organisation.id });
  const trainerIds = [users.trainer.id];

  const programme = await createProgramme(db);
  const series = await createProgramme(db, { kind: 'series', modules: 2 });
  const offering = await createOffering(db, { programmeId: programme.id, capacity: 20, title: 'Workshop Herbst', trainerIds });
  const otherOffering = await createOffering(db, { programmeId: programme.id, capacity: 20, title: 'Workshop Winter' });
  const approvalOffering = await createOffering(db, { programmeId: programme.id, capacity: 20, requiresApproval: true, title: 'Workshop mit Freigabe' });
  // Started an hour ago, ends in six hours.
  const runningOffering = await createOffering(db, { programmeId: programme.id, capacity: 20, title: 'Workshop heute', startsInDays: -1 / 24, registrationClosesInDays: -1, trainerIds });
  const enroll = async (offeringId: number, userId: number, status: 'confirmed' | 'pending') => {
    const [row] = await db('enrollments').insert({ offering_id: offeringId, user_id: userId, status }).returning('id');
    return (row as { id: number }).id;
  };
  const participantEnrollment = { id: await enroll(otherOffering.id, users.participant.id, 'confirmed') };
  await enroll(runningOffering.id, users.participant.id, 'confirmed');
  const nonce = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  await db('check_in_windows').insert({ session_id: runningOffering.sessionIds[0]!, nonce, opened_by: users.trainer.id });

  const managed = {} as Fixtures['managed'];
  const drafts = {} as Fixtures['drafts'];
  const invitations = {} as Fixtures['invitations'];
  for (const visitor of VISITORS) {
    const person = await createUser(db, { organisationId: organisation.id });
    const [excuse] = await db('excuses').insert({ session_id: offering.sessionIds[0]!, user_id: person.id, reason: 'Krank gemeldet' }).returning('id');
    managed[visitor] = {
      person: person.id,
      confirmed: await enroll(offering.id, person.id, 'confirmed'),
      pending: await enroll(approvalOffering.id, person.id, 'pending'),
      excuse: (excuse as { id: number }).id,
    };
    const draft = await createOffering(db, { programmeId: programme.id, status: 'draft', sessions: 2, title: `Entwurf (${visitor})` });
    drafts[visitor] = { id: draft.id, sessionIds: draft.sessionIds };
    const invitee = await createUser(db, { organisationId: organisation.id, verified: false });
    const { token, tokenHash } = newSecretToken();
    await db('account_tokens').insert({ user_id: invitee.id, purpose: 'invitation', token_hash: tokenHash, expires_at: new Date(Date.now() + 14 * DAY_MS) });
    invitations[visitor] = token;
  }

  const storage = createMaterialStorage(config);
  const addMaterial = async (sessionId: number, title: string, visibility: 'enrolled' | 'trainers', versions: number) => {
    const [row] = await db('materials').insert({ session_id: sessionId, title, visibility, created_by: users.coordinator.id }).returning('id');
    const materialId = (row as { id: number }).id;
    for (let version = 1; version <= versions; version += 1) {
      const content = Buffer.from(`%PDF-1.4\n% ${title}, Fassung ${version}\n%%EOF\n`);
      const storageKey = newStorageKey();
      await storage.put(storageKey, Readable.from([content]));
      await db('material_versions').insert({
        material_id: materialId,
        version,
        storage_key: storageKey,
        original_name: `${title}.pdf`,
        size_bytes: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
        content_type: 'application/pdf',
        file_kind: 'pdf',
        uploaded_by: users.coordinator.id,
      });
    }
    return materialId;
  };
  // Certificates are inserted as rows (rendering real PDFs for every row of this table would be slow);
  // only the correction renders one, as it does in the app.
  const heldLastWeek = await createOffering(db, { programmeId: programme.id, title: 'Workshop Vorwoche', capacity: 20, startsInDays: -7, registrationOpensInDays: -30 });
  const certificateFor = async (userId: number, serialNumber: number) => {
    const code = String(serialNumber).padStart(20, '0');
    await enroll(heldLastWeek.id, userId, 'confirmed');
    await db('attendance_records').insert({ session_id: heldLastWeek.sessionIds[0]!, user_id: userId, status: 'present', source: 'roll_call' });
    const snapshot = {
      version: 1, kind: 'confirmation', serial: `KKM-2026-${serialNumber}`, verificationCode: code, verificationUrl: `http://campus.test/verify/${code}`, issuedAt: new Date().toISOString(),
      name: 'Eine Person', programmeTitle: 'Umgang mit extremistischen Gruppierungen', offeringTitle: 'Workshop Vorwoche', place: 'Landratsamt', periodFrom: new Date().toISOString(), periodTo: new Date().toISOString(),
      modules: [], totalUnits: 0, sessions: [], durationMinutes: 420, regionName: 'Landkreis', template: { title: 'Teilnahmebestätigung', body: '', fundingLine: '', signatories: [], logoImageIds: [] },
    };
    const pdf = Buffer.from('%PDF-1.7\n%%EOF\n');
    const [row] = await db('certificates')
      .insert({
        serial: snapshot.serial, serial_year: 2026, serial_number: serialNumber, verification_code: code, user_id: userId, programme_id: programme.id, offering_id: heldLastWeek.id,
        subject_key: `offering:${heldLastWeek.id}`, kind: 'confirmation', snapshot: JSON.stringify(snapshot), pdf, pdf_sha256: createHash('sha256').update(pdf).digest('hex'), issued_by: users.coordinator.id,
      })
      .returning('id');
    return { id: (row as { id: number }).id, code };
  };
  const revocable = {} as Fixtures['certificates']['revocable'];
  const correctable = {} as Fixtures['certificates']['correctable'];
  let serialNumber = 1;
  const participantCertificate = await certificateFor(users.participant.id, serialNumber++);
  for (const visitor of VISITORS) {
    revocable[visitor] = (await certificateFor((await createUser(db, { organisationId: organisation.id })).id, serialNumber++)).id;
    correctable[visitor] = (await certificateFor((await createUser(db, { organisationId: organisation.id })).id, serialNumber++)).id;
  }
  const logo = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
  const [logoRow] = await db('certificate_images').insert({ programme_id: series.id, content_type: 'image/png', bytes: logo, sha256: createHash('sha256').update(logo).digest('hex') }).returning('id');
  await db('certificate_serial_counters').insert({ year: new Date().getFullYear(), last_number: 1000 }).onConflict('year').merge();

  const deletable = {} as Fixtures['materials']['deletable'];
  for (const visitor of VISITORS) deletable[visitor] = await addMaterial(offering.sessionIds[0]!, `Übung (${visitor})`, 'enrolled', 1);
  const materials = {
    enrolled: await addMaterial(otherOffering.sessionIds[0]!, 'Handout', 'enrolled', 2),
    trainersOnly: await addMaterial(offering.sessionIds[0]!, 'Leitfaden für Trainer', 'trainers', 2),
    deletable,
  };
  const scan = Buffer.from('%PDF-1.4\n% Unterschriften\n%%EOF\n');
  const [sheetRow] = await db('signed_sheets')
    .insert({
      session_id: offering.sessionIds[0]!,
      content_type: 'application/pdf',
      original_name: 'Unterschriften.pdf',
      size_bytes: scan.length,
      sha256: createHash('sha256').update(scan).digest('hex'),
      bytes: scan,
      uploaded_by: users.trainer.id,
    })
    .returning('id');

  return {
    organisation,
    users,
    otherUser,
    programme,
    series: { id: series.id, moduleIds: series.modules.map((module) => module.id) },
    offering: { id: offering.id, sessionId: offering.sessionIds[0]! },
    offeringDay: new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin' }).format(((await db('offering_sessions').where('id', offering.sessionIds[0]!).first('starts_at')) as { starts_at: Date }).starts_at),
    otherOffering: { id: otherOffering.id, sessionId: otherOffering.sessionIds[0]! },
    participantEnrollment,
    managed,
    drafts,
    runningSession: { id: runningOffering.sessionIds[0]!, checkInCode: checkInCode(config.sessionSecret, runningOffering.sessionIds[0]!, nonce) },
    materials,
    invitations,
    certificates: { offering: heldLastWeek.id, participant: participantCertificate, revocable, correctable, logoImageId: (logoRow as { id: number }).id },
    signedSheetId: (sheetRow as { id: number }).id,
    evaluationToAnswer: await openEvaluationFor(db, otherOffering.id, users.participant.id),
    evaluationResultId: await closedEvaluationOf(db, offering.id),
    coordinatorMessageId: ((await db('coordinator_messages')
      .insert({ offering_id: offering.id, sender_user_id: users.coordinator.id, groups: ['confirmed'], subject: 'Hinweis', body: 'Text', recipient_count: 0, expanded_at: new Date() })
      .returning('id')) as { id: number }[])[0]!.id,
    duplicateOrganisation: { id: (await createOrganisation(db, { name: 'Rechtehausen, Gemeinde' })).id },
    questionnaire: await createQuestionnaire(db, { title: 'Rechte-Bogen' }),
  };
}

/** A closed evaluation of an offering with no answers (results withheld: only counts to show). */
async function closedEvaluationOf(db: Database, offeringId: number): Promise<number> {
  const [questionnaire] = await db('questionnaires').insert({ title: 'Feedback' }).returning('id');
  const [version] = await db('questionnaire_versions').insert({ questionnaire_id: (questionnaire as { id: number }).id, version: 1, title: 'Feedback', in_use_since: new Date() }).returning('id');
  const closesAt = new Date(Date.now() - DAY_MS);
  const [evaluation] = await db('evaluations')
    .insert({ version_id: (version as { id: number }).id, offering_id: offeringId, scope: 'offering', opens_at: new Date(closesAt.getTime() - 14 * DAY_MS), closes_at: closesAt, closed_at: closesAt, invited_count: 3, answered_count: 0 })
    .returning('id');
  return (evaluation as { id: number }).id;
}

/** An open evaluation of an offering with one required scale item; `participantId` may answer it. */
async function openEvaluationFor(db: Database, offeringId: number, participantId: number): Promise<{ id: number; itemId: number }> {
  const [questionnaire] = await db('questionnaires').insert({ title: 'Rückmeldung' }).returning('id');
  const [version] = await db('questionnaire_versions').insert({ questionnaire_id: (questionnaire as { id: number }).id, version: 1, title: 'Rückmeldung', in_use_since: new Date() }).returning('id');
  const versionId = (version as { id: number }).id;
  const [item] = await db('questionnaire_items')
    .insert({ version_id: versionId, position: 1, kind: 'scale', prompt: 'Wie zufrieden waren Sie?', required: true, scale_low_label: 'gar nicht', scale_high_label: 'sehr' })
    .returning('id');
  const [evaluation] = await db('evaluations')
    .insert({ version_id: versionId, offering_id: offeringId, scope: 'offering', opens_at: new Date(Date.now() - DAY_MS), closes_at: new Date(Date.now() + 13 * DAY_MS) })
    .returning('id');
  const id = (evaluation as { id: number }).id;
  await db('evaluation_participants').insert({ evaluation_id: id, user_id: participantId });
  return { id, itemId: (item as { id: number }).id };
}

function pathFor(row: RouteRow, fixtures: Fixtures, visitor: Visitor): string {
  const params = row.params?.(fixtures, visitor) ?? {};
  return row.path.replace(/:(\w+)/g, (_match, name: string) => {
    const value = params[name] ?? DEFAULT_PARAMS[name];
    if (value === undefined) throw new Error(`${row.method} ${row.path}: no value for :${name} (give the row a params function)`);
    return encodeURIComponent(String(value));
  });
}

/** A visitor with a CSRF token of its own session, taken from a page like a browser would. */
async function visitorAgent(app: Express, visitor: Visitor, fixtures: Fixtures): Promise<{ agent: Agent; csrfToken: string }> {
  if (visitor === 'anonymous') {
    const agent = newAgent(app);
    return { agent, csrfToken: csrfTokenIn((await agent.get('/login')).text) };
  }
  const agent = await loginAs(app, fixtures.users[visitor]);
  return { agent, csrfToken: csrfTokenIn((await agent.get('/')).text) };
}

/** What a visitor got: the status, or 'login' for a redirect to the login page that comes back here. */
function observed(response: { status: number; headers: Record<string, string>; text: string }, url: string): Expected | string {
  if (response.status === 302 && response.headers.location === `/login?next=${encodeURIComponent(url)}`) return LOGIN;
  // A 403 must come from the permission check, never from a rejected CSRF token.
  if (response.status === 403 && textOf(response.text).includes('Das Formular ist abgelaufen')) return '403 (CSRF token rejected)';
  return response.status;
}

describe('permissions: every route × every visitor', () => {
  const ctx = useTestApp({ UPLOAD_DIR });
  afterAll(() => rmSync(UPLOAD_DIR, { recursive: true, force: true }));

  // One test per route; the visitors take their turns on the same data (anonymous first,
  // admin last), each with their own session, and the row compares what all of them got.
  it.each(routes.map((row) => [`${row.method} ${row.path}`, row] as const))('%s', async (_name, row) => {
    const fixtures = await createFixtures(ctx.db, ctx.config);
    const visitors = await Promise.all(VISITORS.map((visitor) => visitorAgent(ctx.app, visitor, fixtures)));
    const actual: Record<string, Expected | string> = {};
    for (const [index, visitor] of VISITORS.entries()) {
      const { agent, csrfToken } = visitors[index]!;
      const path = pathFor(row, fixtures, visitor);
      const url = row.query ? `${path}?${new URLSearchParams(row.query).toString()}` : path;
      const response =
        row.method === 'GET'
          ? await agent.get(url)
          : await agent
              .post(url)
              .type('form')
              .send({ ...(row.body?.(fixtures, visitor) ?? {}), _csrf: csrfToken });
      actual[visitor] = observed(response, url);
    }
    expect(actual).toEqual(row.expect);
  });

  it('has a row for every route the app has, and no row for a route it does not have', () => {
    const inApp = routesInApp(ctx.app);
    const inTable = new Set(routes.map((row) => `${row.method} ${row.path}`));
    const missing = inApp.filter((route) => !inTable.has(route));
    const stale = [...inTable].filter((route) => !inApp.includes(route));
    if (missing.length > 0) {
      const skeletons = missing.map((route) => {
        const [method, path] = route.split(' ');
        return `  { method: '${method}', path: '${path}', expect: { anonymous: ?, participant: ?, trainer: ?, coordinator: ?, admin: ? } },`;
      });
      throw new Error(`These routes have no row in the permission table of test/http/permissions.test.ts:\n${skeletons.join('\n')}`);
    }
    expect(stale).toEqual([]);
    expect(new Set(routes.map((row) => `${row.method} ${row.path}`)).size).toBe(routes.length);
  });
});
