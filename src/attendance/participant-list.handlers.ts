import type { Request, Response } from 'express';
import type { Config } from '../config';
import { idParam, userOf } from '../http/request';
import { contentDisposition } from '../shared/files';
import type { AttendanceService } from './attendance.service';
import { renderSignInSheet } from './sign-in-sheet.pdf';

/** Empty rows at the end of a shared list for people who come without a seat. */
export const WALK_IN_ROWS = 5;

type DayList = Awaited<ReturnType<AttendanceService['participantList']>>;

/** Module lines without repeats: two sessions of one module on a day print it once. */
function modulesOf(list: DayList): string[] {
  const lines = list.sessions.filter((session) => session.module_title).map((session) => `${session.module_position}. ${session.module_title}`);
  return [...new Set(lines)];
}

function sendList(req: Request, res: Response, list: DayList, config: Config): void {
  const doc = renderSignInSheet(
    {
      projectTitle: list.funderProjectTitle || list.programmeTitle,
      programmeTitle: list.programmeTitle,
      offeringTitle: list.offeringTitle,
      modules: modulesOf(list),
      sessions: list.sessions.map((session) => ({ startsAt: session.starts_at, endsAt: session.ends_at })),
      places: [...new Set(list.sessions.map((session) => session.location).filter(Boolean))],
      trainers: [...new Set(list.sessions.flatMap((session) => session.trainer_names))],
      fundingLine: config.region.fundingLine,
      regionName: config.region.name,
      people: list.people.map((row) => ({ name: `${row.last_name}, ${row.first_name}`, organisation: [row.organisation_name, row.department].filter(Boolean).join(' – ') })),
      walkInRows: WALK_IN_ROWS,
      perPerson: list.perPerson,
    },
    req.t,
    req.locale,
  );
  res.type('application/pdf');
  // Private: names of participants, never kept by a shared cache.
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('Content-Disposition', contentDisposition('inline', `teilnehmendenliste-${list.day}-${list.sessions[0]!.offering_id}.pdf`));
  doc.pipe(res);
  doc.end();
}

/** The participant list of an offering day, and the same list reached from one of its sessions. */
export function createParticipantListHandlers(attendance: AttendanceService, config: Config) {
  return {
    async dayParticipantList(req: Request, res: Response): Promise<void> {
      const list = await attendance.participantList(userOf(req), idParam(req), String(req.params.date));
      sendList(req, res, list, config);
    },

    async signInSheet(req: Request, res: Response): Promise<void> {
      const list = await attendance.participantListOfSession(userOf(req), idParam(req));
      sendList(req, res, list, config);
    },
  };
}
