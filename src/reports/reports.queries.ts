import type { Knex } from 'knex';
import type { AttendanceStatus } from '../attendance/attendance-rules';
import { TIME_ZONE } from '../shared/format';

type Db = Knex | Knex.Transaction;

/*
 * The reports read only published read models: the catalog's `catalog_session_schedule`,
 * `catalog_session_trainers` and `catalog_programme_outline`, enrollment's `confirmed_seats`,
 * attendance's `attendance_marks` and accounts' `accounts_people` (migration
 * 20261212140000_report_read_models). Every function is one statement, whatever the number
 * of people; the caller passes which statuses count as attended (attendance-rules.ts).
 */

/** Sessions of published offerings that started in [from, until); a programme if given. */
export type Period = { from: Date; until: Date; programmeId: number | null };

/** A PostgreSQL array literal: Knex would spread a JS array into a list of parameters. */
const intArray = (values: readonly number[]) => `{${values.map((value) => String(Math.trunc(value))).join(',')}}`;
const textArray = (values: readonly string[]) => `{${values.map((value) => `"${value.replace(/["\\]/g, '')}"`).join(',')}}`;

const SESSIONS_IN_PERIOD = `SELECT session_id, offering_id, offering_title, programme_id, programme_title, module_id, module_position, module_title,
         teaching_units, starts_at, ends_at
    FROM catalog_session_schedule
   WHERE offering_status = 'published' AND starts_at >= :from AND starts_at < :until
     AND (:programmeId::int IS NULL OR programme_id = :programmeId::int)`;

const periodBindings = (period: Period) => ({ from: period.from, until: period.until, programmeId: period.programmeId });

export type ProgrammeOutline = {
  programme_id: number;
  kind: 'series' | 'workshop' | 'event';
  title: string;
  completion_rule: 'all' | 'min';
  completion_min_modules: number | null;
  modules: { id: number; position: number; title: string; teaching_units: number }[];
};

/** Every programme with its completion rule and modules (for the filter and the completion rules). */
export async function selectProgrammes(db: Db): Promise<ProgrammeOutline[]> {
  return db('catalog_programme_outline')
    .select('programme_id', 'kind', 'title', 'completion_rule', 'completion_min_modules', 'modules')
    .orderByRaw('title COLLATE german, programme_id');
}

export type StatusCounts = Partial<Record<AttendanceStatus, number>>;

export type OfferingSummaryRow = {
  offering_id: number;
  offering_title: string;
  programme_id: number;
  programme_title: string;
  first_starts_at: Date;
  last_starts_at: Date;
  session_count: number;
  teaching_units: number;
  participants: number;
  participant_days: number;
  status_counts: StatusCounts | null;
  trainers: string | null;
};

/**
 * One row per offering with a session in the period (few: a district runs dozens a year),
 * with its counts. Participant-days: distinct pairs of a confirmed person and a Berlin
 * calendar day on which they attended a session of the offering in the period.
 */
export async function selectOfferingSummaries(db: Db, period: Period, attended: readonly AttendanceStatus[]): Promise<OfferingSummaryRow[]> {
  const { rows } = await db.raw<{ rows: OfferingSummaryRow[] }>(
    `WITH sessions AS (${SESSIONS_IN_PERIOD}),
          seats AS (SELECT c.offering_id, c.user_id FROM confirmed_seats c WHERE c.offering_id IN (SELECT offering_id FROM sessions)),
          marks AS (SELECT s.offering_id, s.starts_at, a.user_id, a.status
                      FROM sessions s
                      JOIN attendance_marks a ON a.session_id = s.session_id
                      JOIN seats ON seats.offering_id = s.offering_id AND seats.user_id = a.user_id)
     SELECT s.offering_id, min(s.offering_title) AS offering_title, s.programme_id, min(s.programme_title) AS programme_title,
            min(s.starts_at) AS first_starts_at, max(s.starts_at) AS last_starts_at,
            count(*)::int AS session_count, sum(s.teaching_units)::int AS teaching_units,
            (SELECT count(*) FROM seats WHERE seats.offering_id = s.offering_id)::int AS participants,
            (SELECT count(DISTINCT (m.user_id, (m.starts_at AT TIME ZONE :timeZone)::date)) FROM marks m
              WHERE m.offering_id = s.offering_id AND m.status = ANY(:attendedStatuses::text[]))::int AS participant_days,
            (SELECT json_object_agg(x.status, x.n) FROM (SELECT m.status, count(*)::int AS n FROM marks m WHERE m.offering_id = s.offering_id GROUP BY m.status) x) AS status_counts,
            (SELECT string_agg(p.first_name || ' ' || p.last_name, ', ' ORDER BY p.last_name COLLATE german, p.first_name COLLATE german, p.user_id)
               FROM accounts_people p
              WHERE p.user_id IN (SELECT t.user_id FROM catalog_session_trainers t JOIN sessions ts ON ts.session_id = t.session_id WHERE ts.offering_id = s.offering_id)) AS trainers
       FROM sessions s
      GROUP BY s.offering_id, s.programme_id
      ORDER BY min(s.starts_at), s.offering_id`,
    { ...periodBindings(period), timeZone: TIME_ZONE, attendedStatuses: textArray(attended) },
  );
  return rows;
}

export type SessionRow = {
  session_id: number;
  offering_id: number;
  starts_at: Date;
  ends_at: Date;
  module_position: number | null;
  module_title: string | null;
  teaching_units: number;
  status_counts: StatusCounts | null;
  trainers: string | null;
};

/** The sessions of these offerings in the period, with the recorded statuses of confirmed people counted. */
export async function selectSessions(db: Db, period: Period, offeringIds: number[]): Promise<SessionRow[]> {
  if (offeringIds.length === 0) return [];
  const { rows } = await db.raw<{ rows: SessionRow[] }>(
    `WITH sessions AS (${SESSIONS_IN_PERIOD} AND offering_id = ANY(:offeringIds::int[]))
     SELECT s.session_id, s.offering_id, s.starts_at, s.ends_at, s.module_position, s.module_title, s.teaching_units,
            (SELECT json_object_agg(x.status, x.n) FROM (
               SELECT a.status, count(*)::int AS n FROM attendance_marks a
                 JOIN confirmed_seats c ON c.offering_id = s.offering_id AND c.user_id = a.user_id
                WHERE a.session_id = s.session_id GROUP BY a.status) x) AS status_counts,
            (SELECT string_agg(p.first_name || ' ' || p.last_name, ', ' ORDER BY p.last_name COLLATE german, p.first_name COLLATE german, p.user_id)
               FROM catalog_session_trainers t JOIN accounts_people p ON p.user_id = t.user_id WHERE t.session_id = s.session_id) AS trainers
       FROM sessions s
      ORDER BY s.starts_at, s.session_id`,
    { ...periodBindings(period), offeringIds: intArray(offeringIds) },
  );
  return rows;
}

export type OrganisationRow = { offering_id: number; organisation_name: string | null; participants: number };

/** Confirmed participants per organisation of these offerings. */
export async function selectOrganisations(db: Db, offeringIds: number[]): Promise<OrganisationRow[]> {
  if (offeringIds.length === 0) return [];
  const { rows } = await db.raw<{ rows: OrganisationRow[] }>(
    `SELECT c.offering_id, p.organisation_name, count(*)::int AS participants
       FROM confirmed_seats c JOIN accounts_people p ON p.user_id = c.user_id
      WHERE c.offering_id = ANY(?::int[])
      GROUP BY c.offering_id, p.organisation_id, p.organisation_name
      ORDER BY c.offering_id, p.organisation_name COLLATE german NULLS LAST, p.organisation_id`,
    [intArray(offeringIds)],
  );
  return rows;
}

export type AttendedOfSeat = {
  offering_id: number;
  user_id: number;
  attended: { module_id: number | null; offering_id: number; starts_at: string }[];
};

/**
 * For each confirmed person of these offerings: the sessions of the offering's programme
 * (any cohort, so a module made up later counts) they attended by `moment`. People who
 * attended nothing are left out: they cannot have completed anything.
 */
export async function selectAttendedOfSeats(db: Db, offeringIds: number[], attended: readonly AttendanceStatus[], moment: Date): Promise<AttendedOfSeat[]> {
  if (offeringIds.length === 0) return [];
  const { rows } = await db.raw<{ rows: AttendedOfSeat[] }>(
    `WITH offerings AS (SELECT DISTINCT offering_id, programme_id FROM catalog_session_schedule WHERE offering_id = ANY(:offeringIds::int[])),
          seats AS (SELECT c.offering_id, c.user_id, o.programme_id FROM confirmed_seats c JOIN offerings o ON o.offering_id = c.offering_id)
     SELECT seats.offering_id, seats.user_id,
            json_agg(json_build_object('module_id', s.module_id, 'offering_id', s.offering_id, 'starts_at', s.starts_at)) AS attended
       FROM seats
       JOIN attendance_marks a ON a.user_id = seats.user_id
       JOIN catalog_session_schedule s ON s.session_id = a.session_id AND s.programme_id = seats.programme_id
      WHERE a.status = ANY(:attendedStatuses::text[]) AND s.starts_at <= :moment
      GROUP BY seats.offering_id, seats.user_id`,
    { offeringIds: intArray(offeringIds), attendedStatuses: textArray(attended), moment },
  );
  return rows;
}

export type TrainerSubtotalRow = { user_id: number; first_name: string; last_name: string; session_count: number; minutes: number; teaching_units: number };

const DELIVERED = `SELECT t.user_id, s.session_id, s.offering_title, s.programme_title, s.starts_at, s.ends_at, s.teaching_units,
          (extract(epoch FROM s.ends_at - s.starts_at) / 60)::int AS minutes
     FROM (${SESSIONS_IN_PERIOD}) s JOIN catalog_session_trainers t ON t.session_id = s.session_id`;

/** Every trainer who taught in the period (few), with subtotals, in German name order. */
export async function selectTrainerSubtotals(db: Db, period: Period): Promise<TrainerSubtotalRow[]> {
  const { rows } = await db.raw<{ rows: TrainerSubtotalRow[] }>(
    `SELECT p.user_id, p.first_name, p.last_name, count(*)::int AS session_count, sum(d.minutes)::int AS minutes, sum(d.teaching_units)::int AS teaching_units
       FROM (${DELIVERED}) d JOIN accounts_people p ON p.user_id = d.user_id
      GROUP BY p.user_id, p.first_name, p.last_name
      ORDER BY p.last_name COLLATE german, p.first_name COLLATE german, p.user_id`,
    periodBindings(period),
  );
  return rows;
}

export type DeliveredRow = { user_id: number; session_id: number; offering_title: string; programme_title: string; starts_at: Date; ends_at: Date; teaching_units: number; minutes: number };

/** The sessions these trainers taught in the period, in date order. */
export async function selectDelivered(db: Db, period: Period, trainerIds: number[]): Promise<DeliveredRow[]> {
  if (trainerIds.length === 0) return [];
  const { rows } = await db.raw<{ rows: DeliveredRow[] }>(
    `SELECT d.user_id, d.session_id, d.offering_title, d.programme_title, d.starts_at, d.ends_at, d.teaching_units, d.minutes
       FROM (${DELIVERED}) d WHERE d.user_id = ANY(:trainerIds::int[]) ORDER BY d.starts_at, d.session_id`,
    { ...periodBindings(period), trainerIds: intArray(trainerIds) },
  );
  return rows;
}
