import type { Role } from '../accounts/roles';
import { formatDate } from '../shared/format';
import type { StartPage } from './home.service';

type StaffLink = { href: string; key: string; roles: Role[] };

/** The main work pages of coordinators and admins, in the order of a working day. */
const STAFF_LINKS: StaffLink[] = [
  { href: '/manage/offerings', key: 'offerings', roles: ['coordinator', 'admin'] },
  { href: '/manage/programmes', key: 'programmes', roles: ['coordinator', 'admin'] },
  { href: '/attendance', key: 'attendance', roles: ['coordinator', 'admin'] },
  { href: '/manage/excuses', key: 'excuses', roles: ['coordinator', 'admin'] },
  { href: '/admin/organisations', key: 'organisations', roles: ['coordinator', 'admin'] },
  { href: '/admin/users', key: 'users', roles: ['admin'] },
];

export function staffLinksFor(role: Role): { href: string; key: string }[] {
  return STAFF_LINKS.filter((link) => link.roles.includes(role)).map(({ href, key }) => ({ href, key }));
}

/** What the template needs beyond the rows: which of a trainer's sessions are today (Europe/Berlin). */
export function startPageView(start: StartPage) {
  if (start.kind === 'trainer') {
    const today = formatDate(start.moment);
    return { ...start, upcoming: { ...start.upcoming, sessions: start.upcoming.sessions.map((session) => ({ ...session, today: formatDate(session.starts_at) === today })) } };
  }
  if (start.kind === 'staff') return { ...start, links: staffLinksFor(start.role) };
  return start;
}
