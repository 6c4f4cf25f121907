import { CALENDAR_TOKEN, type DistrictSize, type SeededDistrict } from './county-seed';

export type Who = 'anonymous' | 'coordinator' | 'admin' | 'participant';
/** `manyRows`: a page that must show hundreds of people, whose target is 20 % rather than 35 %. */
export type CountyPage = { label: string; who: Who; path: string; manyRows?: boolean };

/**
 * The pages issue 11 sets a budget for, on a seeded district: measured by `npm run bench -- county`
 * and their SQL statements counted at two sizes by test/http/page-budget.test.ts.
 */
export function countyPages(seeded: SeededDistrict, size: DistrictSize): CountyPage[] {
  return [
    { label: `coordinator: certificates of a ${size.bigOfferingPeople}-person offering`, who: 'coordinator', path: `/manage/offerings/${seeded.bigOfferingId}/certificates`, manyRows: true },
    { label: `coordinator: enrollments of a ${size.bigOfferingPeople}-person offering`, who: 'coordinator', path: `/manage/offerings/${seeded.bigOfferingId}/enrollments`, manyRows: true },
    { label: `coordinator: attendance matrix of a ${size.cohortPeople}-person cohort`, who: 'coordinator', path: `/manage/offerings/${seeded.cohortOfferingId}/attendance`, manyRows: true },
    { label: `coordinator: roll call of a ${size.cohortPeople}-person cohort`, who: 'coordinator', path: `/attendance/sessions/${seeded.cohortSessionId}`, manyRows: true },
    { label: 'coordinator: /manage/offerings', who: 'coordinator', path: '/manage/offerings' },
    { label: 'public catalog /offerings', who: 'anonymous', path: '/offerings' },
    { label: 'public offering page', who: 'anonymous', path: `/offerings/${seeded.bigOfferingId}` },
    { label: 'coordinator: start page with the year\'s figures', who: 'coordinator', path: '/' },
    { label: 'participant: start page', who: 'participant', path: '/' },
    { label: 'participant: /my/progress', who: 'participant', path: '/my/progress' },
    { label: 'participant: /my/dates', who: 'participant', path: '/my/dates' },
    { label: 'participant: /my/certificates', who: 'participant', path: '/my/certificates' },
    { label: 'participant: iCal feed', who: 'anonymous', path: `/calendar/${CALENDAR_TOKEN}.ics` },
    { label: 'admin: /admin/users', who: 'admin', path: '/admin/users' },
    { label: 'anonymous /', who: 'anonymous', path: '/' },
    // Not in the table, but its "no table grows from page views" target: the login form.
    { label: 'anonymous /login', who: 'anonymous', path: '/login' },
  ];
}
