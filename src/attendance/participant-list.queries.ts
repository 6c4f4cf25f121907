import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/*
 * Participant lists (one per offering and Berlin calendar day) and their proof: the signed
 * scans (`signed_sheets`) uploaded for any session of that offering on that day.
 */

/** The Berlin calendar day of a timestamp column: the unit the funder's lists are kept in. */
export const berlinDay = (column: string) => `((${column}) AT TIME ZONE 'Europe/Berlin')::date`;

/** SQL: a signed sheet was uploaded for a session of the same offering on the same Berlin day as session `alias`. */
export const dayProofSql = (alias: string) =>
  `EXISTS (SELECT 1 FROM signed_sheets proof_sheet JOIN offering_sessions proof_session ON proof_session.id = proof_sheet.session_id
            WHERE proof_session.offering_id = ${alias}.offering_id AND ${berlinDay('proof_session.starts_at')} = ${berlinDay(`${alias}.starts_at`)})`;

/** SQL: the session's Berlin day as YYYY-MM-DD (the day list's URL). */
export const berlinDayText = (alias: string) => `to_char(${alias}.starts_at AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD')`;

export type DaySessionRow = {
  id: number;
  offering_id: number;
  starts_at: Date;
  ends_at: Date;
  location: string;
  offering_title: string;
  offering_status: string;
  sign_in_sheet_mode: 'shared' | 'per_person';
  programme_title: string;
  funder_project_title: string;
  module_position: number | null;
  module_title: string | null;
  trainer_ids: number[];
  trainer_names: string[];
};

/** The offering's sessions on one Berlin day (`day` as YYYY-MM-DD), earliest first, with their trainers. */
export async function selectSessionsOfDay(db: Db, offeringId: number, day: string): Promise<DaySessionRow[]> {
  const result = await db.raw<{ rows: DaySessionRow[] }>(
    `SELECT s.id, s.offering_id, s.starts_at, s.ends_at, coalesce(nullif(s.location, ''), o.location) AS location,
            o.title AS offering_title, o.status AS offering_status, o.sign_in_sheet_mode,
            p.title AS programme_title, p.funder_project_title, m.position AS module_position, m.title AS module_title,
            coalesce(array_agg(u.id ORDER BY u.last_name COLLATE german, u.first_name COLLATE german, u.id) FILTER (WHERE u.id IS NOT NULL), '{}') AS trainer_ids,
            coalesce(array_agg(u.first_name || ' ' || u.last_name ORDER BY u.last_name COLLATE german, u.first_name COLLATE german, u.id) FILTER (WHERE u.id IS NOT NULL), '{}') AS trainer_names
       FROM offering_sessions s
       JOIN offerings o ON o.id = s.offering_id
       JOIN programmes p ON p.id = o.programme_id
       LEFT JOIN modules m ON m.id = s.module_id
       LEFT JOIN session_trainers st ON st.session_id = s.id
       LEFT JOIN users u ON u.id = st.user_id
      WHERE s.offering_id = ? AND ${berlinDay('s.starts_at')} = ?::date
      GROUP BY s.id, o.id, p.id, m.id
      ORDER BY s.starts_at, s.id`,
    [offeringId, day],
  );
  return result.rows;
}

export type ListPersonRow = { user_id: number; first_name: string; last_name: string; organisation_name: string | null; department: string | null };

/** The offering's confirmed people (enrollment's `confirmed_seats`) in German name order ("Özdemir" under O). */
export async function selectListPeople(db: Db, offeringId: number): Promise<ListPersonRow[]> {
  const result = await db.raw<{ rows: ListPersonRow[] }>(
    `SELECT u.id AS user_id, u.first_name, u.last_name, org.name AS organisation_name, u.department
       FROM confirmed_seats c
       JOIN users u ON u.id = c.user_id
       LEFT JOIN organisations org ON org.id = u.organisation_id
      WHERE c.offering_id = ?
      ORDER BY u.last_name COLLATE german, u.first_name COLLATE german, u.id`,
    [offeringId],
  );
  return result.rows;
}

export type MissingProofRow = {
  session_id: number;
  offering_id: number;
  offering_title: string;
  programme_id: number;
  programme_title: string;
  module_title: string | null;
  starts_at: Date;
  ends_at: Date;
  /** YYYY-MM-DD, the Berlin day whose list is missing. */
  day: string;
  total: number;
};

export type MissingProofFilter = { moment: Date; from?: Date; until?: Date; programmeId?: number; limit: number };

/**
 * Sessions that ended by `moment`, of published offerings with confirmed people, whose day
 * has no signed sheet yet; oldest first, at most `limit`, every row carrying the total.
 */
export async function selectSessionsMissingProof(db: Db, filter: MissingProofFilter): Promise<MissingProofRow[]> {
  const result = await db.raw<{ rows: MissingProofRow[] }>(
    `SELECT s.id AS session_id, s.offering_id, o.title AS offering_title, p.id AS programme_id, p.title AS programme_title,
            m.title AS module_title, s.starts_at, s.ends_at, ${berlinDayText('s')} AS day, (count(*) OVER ())::int AS total
       FROM offering_sessions s
       JOIN offerings o ON o.id = s.offering_id
       JOIN programmes p ON p.id = o.programme_id
       LEFT JOIN modules m ON m.id = s.module_id
      WHERE o.status = 'published' AND s.ends_at <= :moment
        AND (:from::timestamptz IS NULL OR s.starts_at >= :from::timestamptz)
        AND (:until::timestamptz IS NULL OR s.starts_at < :until::timestamptz)
        AND (:programmeId::int IS NULL OR o.programme_id = :programmeId::int)
        AND EXISTS (SELECT 1 FROM confirmed_seats c WHERE c.offering_id = s.offering_id)
        AND NOT ${dayProofSql('s')}
      ORDER BY s.starts_at, s.id
      LIMIT :limit`,
    { moment: filter.moment, from: filter.from ?? null, until: filter.until ?? null, programmeId: filter.programmeId ?? null, limit: filter.limit },
  );
  return result.rows;
}
