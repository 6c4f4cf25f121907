import { isStaffOfSession } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import type { Database } from '../db/database';
import { Forbidden, NotFound } from '../shared/errors';
import * as queries from './participant-list.queries';
import { sessionForStaff } from './session-access';

/** YYYY-MM-DD that is a real calendar day (no 2026-02-30). */
export function isCalendarDay(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value;
}

/**
 * The participant list of one offering day: its sessions, the people to sign and how the
 * offering wants it printed. For the staff of any session of that day.
 */
export function createParticipantListService(db: Database) {
  async function dayList(user: SessionUser, offeringId: number, day: string) {
    if (!isCalendarDay(day)) throw new NotFound();
    const sessions = await queries.selectSessionsOfDay(db, offeringId, day);
    const first = sessions[0];
    if (!first) throw new NotFound();
    // A trainer of one session of the day prints the day's list: it is one paper for everybody there.
    if (!isStaffOfSession(user, { trainer_ids: sessions.flatMap((session) => session.trainer_ids) })) throw new Forbidden();
    const people = await queries.selectListPeople(db, offeringId);
    return {
      day,
      sessions,
      people,
      offeringTitle: first.offering_title,
      programmeTitle: first.programme_title,
      funderProjectTitle: first.funder_project_title,
      perPerson: first.sign_in_sheet_mode === 'per_person',
    };
  }

  return {
    /** The list of an offering day (`day` as YYYY-MM-DD, Europe/Berlin); 404 for a day without sessions. */
    participantList: dayList,

    /** The list of the day a session is on (the per-session link prints the whole day). */
    async participantListOfSession(user: SessionUser, sessionId: number) {
      const session = await sessionForStaff(db, user, sessionId);
      return dayList(user, session.offering_id, session.berlin_day);
    },
  };
}
