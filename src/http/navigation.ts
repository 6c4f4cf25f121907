import type { Role } from '../accounts/roles';

type NavigationItem = { href: string; labelKey: string; roles: Role[] | 'anonymous' | 'everyone' };

/** The main navigation by role; a domain that adds pages adds its entry here. */
const items: NavigationItem[] = [
  { href: '/', labelKey: 'nav.home', roles: 'everyone' },
  { href: '/offerings', labelKey: 'nav.offerings', roles: 'everyone' },
  { href: '/my/dates', labelKey: 'nav.myDates', roles: ['participant', 'trainer', 'coordinator', 'admin'] },
  { href: '/my/progress', labelKey: 'nav.myProgress', roles: ['participant'] },
  { href: '/my/certificates', labelKey: 'nav.myCertificates', roles: ['participant'] },
  { href: '/my/evaluations', labelKey: 'evaluationAnswers.nav', roles: ['participant'] },
  { href: '/attendance', labelKey: 'nav.attendance', roles: ['trainer', 'coordinator', 'admin'] },
  { href: '/manage/excuses', labelKey: 'nav.excuses', roles: ['coordinator', 'admin'] },
  { href: '/manage/programmes', labelKey: 'nav.manageProgrammes', roles: ['coordinator', 'admin'] },
  { href: '/manage/offerings', labelKey: 'nav.manageOfferings', roles: ['coordinator', 'admin'] },
  { href: '/admin/organisations', labelKey: 'nav.organisations', roles: ['coordinator', 'admin'] },
  { href: '/reports', labelKey: 'reports.nav', roles: ['coordinator', 'admin'] },
  { href: '/evaluation/questionnaires', labelKey: 'evaluationBuilder.nav', roles: ['coordinator', 'admin'] },
  { href: '/evaluation/results', labelKey: 'evaluationResults.nav', roles: ['trainer', 'coordinator', 'admin'] },
  { href: '/admin/users', labelKey: 'nav.users', roles: ['admin'] },
  { href: '/admin/erasure-requests', labelKey: 'privacy.erasure.list.nav', roles: ['admin'] },
  { href: '/audit', labelKey: 'audit.nav', roles: ['coordinator', 'admin'] },
  { href: '/admin/processing', labelKey: 'privacy.processing.nav', roles: ['admin'] },
  { href: '/admin/retention', labelKey: 'privacy.retention.nav', roles: ['admin'] },
  { href: '/account', labelKey: 'nav.account', roles: ['participant', 'trainer', 'coordinator', 'admin'] },
];

export function navigationFor(role: Role | undefined, currentPath: string) {
  return items
    .filter((item) => item.roles === 'everyone' || (item.roles === 'anonymous' ? !role : !!role && item.roles.includes(role)))
    .map((item) => ({
      href: item.href,
      labelKey: item.labelKey,
      current: item.href === '/' ? currentPath === '/' : currentPath === item.href || currentPath.startsWith(`${item.href}/`),
    }));
}
