import type { Express } from 'express';
import { useTestApp } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createOrganisation, createUser, PASSWORD, type TestUser } from '../support/factories';
import { csrfTokenIn, loginAs, newAgent, textOf, type Agent } from '../support/http';
import { routesInApp } from '../support/routes';
import { ROLES, type Role } from '../../src/accounts/roles';
import type { Database } from '../../src/db/database';

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
  /** A published offering with open registration that none of the visitors is enrolled in. */
  offering: { id: number };
  /** Another published offering of the same programme. */
  otherOffering: { id: number };
  /** The participant's own confirmed enrollment (in otherOffering). */
  participantEnrollment: { id: number };
  /** Per visitor, enrollments of people who are not visitors, to manage: confirmed in `offering`, pending in an offering that needs approval. */
  managed: Record<Visitor, { confirmed: number; pending: number }>;
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
const MAINTAINERS = ['coordinator', 'admin'] as const;
const ADMINS = ['admin'] as const;

const routes: RouteRow[] = [
  // home
  { method: 'GET', path: '/', expect: everyone(200) },
  { method: 'GET', path: '/impressum', expect: everyone(200) },
  { method: 'GET', path: '/datenschutz', expect: everyone(200) },
  { method: 'GET', path: '/healthz', expect: everyone(200) },

  // accounts: login, registration, passwords, language
  { method: 'GET', path: '/login', expect: everyone(200) },
  { method: 'POST', path: '/login', body: (f) => ({ email: f.users.participant.email, password: PASSWORD }), expect: everyone(303) },
  { method: 'POST', path: '/logout', expect: everyone(303) },
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
  { method: 'POST', path: '/account/language', body: () => ({ lang: 'en' }), expect: onlyFor(LOGGED_IN, 303, 'POST') },

  // accounts: administration
  { method: 'GET', path: '/admin/users', expect: onlyFor(ADMINS, 200, 'GET') },
  { method: 'GET', path: '/admin/users/:id', params: (f) => ({ id: f.otherUser.id }), expect: onlyFor(ADMINS, 200, 'GET') },
  { method: 'POST', path: '/admin/users/:id/role', params: (f) => ({ id: f.otherUser.id }), body: () => ({ role: 'trainer' }), expect: onlyFor(ADMINS, 303, 'POST') },
  { method: 'POST', path: '/admin/users/:id/deactivate', params: (f) => ({ id: f.otherUser.id }), expect: onlyFor(ADMINS, 303, 'POST') },
  { method: 'POST', path: '/admin/users/:id/reactivate', params: (f) => ({ id: f.otherUser.id }), expect: onlyFor(ADMINS, 303, 'POST') },
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

  // catalog and enrollment
  { method: 'GET', path: '/offerings', expect: everyone(200) },
  { method: 'GET', path: '/offerings/:id', params: (f) => ({ id: f.offering.id }), expect: everyone(200) },
  { method: 'GET', path: '/offerings/:id/calendar.ics', params: (f) => ({ id: f.offering.id }), expect: everyone(200) },
  { method: 'POST', path: '/offerings/:id/enroll', params: (f) => ({ id: f.offering.id }), expect: onlyFor(LOGGED_IN, 303, 'POST') },
  // Only the person enrolled may cancel; for everybody else the enrollment does not exist.
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
  {
    method: 'POST',
    path: '/manage/offerings/:id/enrollments',
    params: (f) => ({ id: f.offering.id }),
    // Each visitor tries to enroll themself by hand.
    body: (f, visitor) => ({ email: visitor === 'anonymous' ? f.otherUser.email : f.users[visitor].email }),
    expect: onlyFor(MAINTAINERS, 303, 'POST'),
  },
  { method: 'POST', path: '/manage/offerings/:id/capacity', params: (f) => ({ id: f.offering.id }), body: () => ({ capacity: '25' }), expect: onlyFor(MAINTAINERS, 303, 'POST') },
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
];

async function createFixtures(db: Database): Promise<Fixtures> {
  const organisation = await createOrganisation(db, { name: 'Gemeinde Rechtehausen' });
  const users = {} as Record<Role, TestUser>;
  for (const role of ROLES) users[role] = await createUser(db, { role, organisationId: organisation.id });
  const otherUser = await createUser(db, { organisationId: organisation.id });

  const programme = await createProgramme(db);
  const offering = await createOffering(db, { programmeId: programme.id, capacity: 20, title: 'Workshop Herbst' });
  const otherOffering = await createOffering(db, { programmeId: programme.id, capacity: 20, title: 'Workshop Winter' });
  const approvalOffering = await createOffering(db, { programmeId: programme.id, capacity: 20, requiresApproval: true, title: 'Workshop mit Freigabe' });
  const enroll = async (offeringId: number, userId: number, status: 'confirmed' | 'pending') => {
    const [row] = await db('enrollments').insert({ offering_id: offeringId, user_id: userId, status }).returning('id');
    return (row as { id: number }).id;
  };
  const participantEnrollment = { id: await enroll(otherOffering.id, users.participant.id, 'confirmed') };
  const managed = {} as Fixtures['managed'];
  for (const visitor of VISITORS) {
    const person = await createUser(db, { organisationId: organisation.id });
    managed[visitor] = { confirmed: await enroll(offering.id, person.id, 'confirmed'), pending: await enroll(approvalOffering.id, person.id, 'pending') };
  }
  return { organisation, users, otherUser, offering, otherOffering, participantEnrollment, managed };
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
  const ctx = useTestApp();

  // One test per route; the visitors take their turns on the same data (anonymous first,
  // admin last), each with their own session, and the row compares what all of them got.
  it.each(routes.map((row) => [`${row.method} ${row.path}`, row] as const))('%s', async (_name, row) => {
    const fixtures = await createFixtures(ctx.db);
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
